using ChatOpsReconfig.Deployer.Audit;
using System.Threading.Channels;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Locks;

public sealed class LockServiceTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2025, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Actor Alice = new("u-alice", "alice");
    private static readonly Actor Bob = new("u-bob", "bob");
    private static readonly Actor Admin = new("u-admin", "admin");

    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-locks-").FullName;
    private readonly DeployerEvents _stream = new();
    private readonly ChannelReader<DeployerEvent> _reader;
    private readonly List<DeployerEvent> _events = [];
    private LockOptions _options = new();
    private StoreDatabase? _db;

    public LockServiceTests() => _reader = _stream.Subscribe();

    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose()
    {
        _db?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Opens (or reopens, closing the previous one) the store file and wires a service over it.</summary>
    private LockService CreateSut()
    {
        _db?.Dispose();
        _db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        return new LockService(new LockStore(_db), _stream, _time, Options.Create(_options), NullLogger<LockService>.Instance);
    }

    private List<DeployerEvent> Events()
    {
        while (_reader.TryRead(out var e)) _events.Add(e);
        return _events;
    }

    private Task<IReadOnlyList<AuditEntry>> AuditAsync() => new LockStore(_db!).ReadAuditAsync(50, Ct);

    [Fact]
    public async Task Lock_WhenFree_AddsHoldForDefaultDuration()
    {
        var sut = CreateSut();

        var result = await sut.LockAsync(Alice, null, "landing bug 123 configs+custom", Ct);

        Assert.True(result.Succeeded);
        Assert.Equal(Start.AddHours(2), result.Hold!.ExpiresAt);
        Assert.Equal("landing bug 123 configs+custom", result.Hold.Reason);
        Assert.True((await sut.GetAsync(Ct)).IsHeldAt(_time.GetUtcNow()));
        var added = Assert.IsType<HoldAdded>(Assert.Single(Events()));
        Assert.Equal(result.Hold, added.Hold);
        Assert.Null(added.Replaced);
    }

    [Fact]
    public async Task Lock_WhileAnotherHoldIsActive_AddsSecondHold()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromMinutes(45), "configs", Ct);

        var result = await sut.LockAsync(Bob, null, "custom", Ct);

        Assert.True(result.Succeeded);
        Assert.Equal(["alice", "bob"], result.Holds.Select(h => h.HolderName));
        Assert.Equal(["alice", "bob"], (await sut.GetAsync(Ct)).Holds.Select(h => h.HolderName));
        Assert.Equal(2, Events().OfType<HoldAdded>().Count());
    }

    [Fact]
    public async Task Lock_AgainBySameHolder_ReplacesTheirHold()
    {
        var sut = CreateSut();
        var first = await sut.LockAsync(Alice, TimeSpan.FromMinutes(45), "configs", Ct);
        _time.Advance(TimeSpan.FromMinutes(30));

        var second = await sut.LockAsync(Alice, TimeSpan.FromHours(1), null, Ct);

        var hold = Assert.Single(second.Holds);
        Assert.Equal(Start, hold.Since);
        Assert.Equal(Start.AddMinutes(90), hold.ExpiresAt);
        Assert.Equal("configs", hold.Reason);
        Assert.Equal(first.Hold, second.Previous);
        Assert.Equal(first.Hold, Events().OfType<HoldAdded>().Last().Replaced);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(-5, false)]
    [InlineData(0.5, false)]
    [InlineData(721, true)]
    [InlineData(99999 * 60, true)]
    public async Task Lock_WithDurationOutsideLimits_IsRefusedNamingTheLimit(double minutes, bool tooLong)
    {
        var sut = CreateSut();
        var got = TimeSpan.FromMinutes(minutes);

        var result = await sut.LockAsync(Alice, got, "x", Ct);

        Refusal refusal = tooLong ? new DurationTooLong(got, TimeSpan.FromHours(12)) : new DurationTooShort(got, TimeSpan.FromMinutes(1));
        Assert.Equal(refusal, result.Refusal);
        Assert.False((await sut.GetAsync(Ct)).IsHeldAt(_time.GetUtcNow()));
        Assert.Empty(Events());
        var audit = Assert.Single(await AuditAsync());
        Assert.True(audit.Refused);
        Assert.Equal(refusal.ToString(), audit.Detail);
    }

    [Fact]
    public async Task Lock_AtMaximumDuration_IsAccepted()
    {
        var result = await CreateSut().LockAsync(Alice, TimeSpan.FromHours(12), "", Ct);

        Assert.True(result.Succeeded);
    }

    [Fact]
    public async Task Lock_WithReasonOver500Characters_IsRefused()
    {
        var sut = CreateSut();

        var refused = await sut.LockAsync(Alice, null, new string('x', 501), Ct);
        var accepted = await sut.LockAsync(Alice, null, new string('x', 500), Ct);

        Assert.Equal(new ReasonTooLong(501, 500), refused.Refusal);
        Assert.True(accepted.Succeeded);
    }

    [Fact]
    public async Task Lock_WithMultilineReason_FoldsItToOneLine()
    {
        var result = await CreateSut().LockAsync(Alice, null, "  landing\n\n bug 123\t configs ", Ct);

        Assert.Equal("landing bug 123 configs", result.Hold!.Reason);
    }

    [Fact]
    public async Task Unlock_ByHolder_ReleasesOwnHoldOnly()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, null, "a", Ct);
        await sut.LockAsync(Bob, null, "b", Ct);

        var result = await sut.UnlockAsync(Alice, Ct);

        Assert.True(result.Succeeded);
        Assert.Equal("alice", Assert.Single(result.Released).HolderName);
        Assert.Equal(["bob"], (await sut.GetAsync(Ct)).Holds.Select(h => h.HolderName));
        var released = Assert.IsType<HoldReleased>(Events().Last());
        Assert.False(released.Forced);
        Assert.Equal(Alice, released.By);
    }

    [Fact]
    public async Task Unlock_ByNonHolder_IsRefusedAndAudited()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromMinutes(90), "landing bug 123", Ct);
        _time.Advance(TimeSpan.FromMinutes(10));

        var result = await sut.UnlockAsync(Bob, Ct);

        Assert.Equal(new NoHold(null), result.Refusal);
        Assert.Equal(("alice", TimeSpan.FromMinutes(80), "landing bug 123"), (result.Holds[0].HolderName, result.Holds[0].RemainingAt(result.At), result.Holds[0].Reason));
        Assert.Single((await sut.GetAsync(Ct)).Holds);
        Assert.IsType<HoldAdded>(Assert.Single(Events()));
        var audit = (await AuditAsync())[0];
        Assert.Equal(("u-bob", "bob", "unlock", true), (audit.ActorId, audit.ActorName, audit.Action, audit.Refused));
        Assert.Equal(_time.GetUtcNow(), audit.At);
        Assert.Equal(result.Refusal!.ToString(), audit.Detail);
    }

    [Fact]
    public async Task Unlock_WhenNobodyHolds_SaysSo()
    {
        var result = await CreateSut().UnlockAsync(Bob, Ct);

        Assert.Equal(new NoHold(null), result.Refusal);
        Assert.Empty(result.Holds);
    }

    [Fact]
    public async Task ForceUnlock_ByName_ReleasesThatHoldAndAuditsTheTarget()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, null, "a", Ct);
        await sut.LockAsync(Bob, null, "b", Ct);

        var result = await sut.ForceUnlockAsync(Admin, "@alice", Ct);

        Assert.True(result.Succeeded);
        Assert.Equal(["bob"], result.Holds.Select(h => h.HolderName));
        var released = Assert.IsType<HoldReleased>(Events().Last());
        Assert.True(released.Forced);
        Assert.Equal(Admin, released.By);
        var audit = (await AuditAsync())[0];
        Assert.Equal(("admin", "force-unlock", "@alice", false), (audit.ActorName, audit.Action, audit.Target, audit.Refused));
    }

    [Fact]
    public async Task ForceUnlock_NoSuchHolder_IsRefusedAndAudited()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromHours(1), "", Ct);

        var result = await sut.ForceUnlockAsync(Admin, "@carol", Ct);

        Assert.Equal(new NoHold("carol"), result.Refusal);
        Assert.Equal(["alice"], result.Holds.Select(h => h.HolderName));
        Assert.True((await AuditAsync())[0].Refused);
    }

    [Fact]
    public async Task ForceUnlockAll_ReleasesEveryHold()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, null, "a", Ct);
        await sut.LockAsync(Bob, null, "b", Ct);

        var result = await sut.ForceUnlockAllAsync(Admin, Ct);

        Assert.Equal(["alice", "bob"], result.Released.Select(h => h.HolderName));
        Assert.Empty((await sut.GetAsync(Ct)).Holds);
        Assert.Equal(2, Events().OfType<HoldReleased>().Count(e => e.Forced));
        var audit = (await AuditAsync())[0];
        Assert.Equal((HoldChange.ReleasedAll, ""), (audit.HoldChange, audit.Detail));
        Assert.Equal(["alice", "bob"], audit.Holders.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Changes_AreAuditedAsData()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromMinutes(30), "landing", Ct);
        await sut.ExtendAsync(Alice, TimeSpan.FromMinutes(10), Ct);
        _time.Advance(TimeSpan.FromMinutes(5));
        await sut.UnlockAsync(Alice, Ct);
        await sut.LockAsync(Bob, TimeSpan.FromMinutes(20), null, Ct);
        _time.Advance(TimeSpan.FromMinutes(21));
        await sut.TickAsync(Ct);

        var audit = (await AuditAsync()).Reverse().Select(a => (a.Action, a.HoldChange, string.Join(",", a.Holders), a.Since, a.Until, a.Duration, a.Reason, a.Detail)).ToList();
        Assert.Equal(
        [
            ("lock", HoldChange.Held, "alice", null, Start.AddMinutes(30), TimeSpan.FromMinutes(30), "landing", ""),
            ("extend", HoldChange.Extended, "alice", null, Start.AddMinutes(40), TimeSpan.FromMinutes(10), null, ""),
            ("unlock", HoldChange.Released, "alice", Start, null, null, null, ""),
            ("lock", HoldChange.Held, "bob", null, Start.AddMinutes(25), TimeSpan.FromMinutes(20), null, ""),
            ("expire", HoldChange.Expired, "bob", null, Start.AddMinutes(25), null, null, ""),
        ], audit);
    }

    [Fact]
    public async Task RollbackHold_KeepsWhoAndWhichRolloutAsData()
    {
        var sut = CreateSut();

        var result = await sut.PlaceRollbackHoldAsync(Alice, 7, Ct);

        var hold = Assert.Single(result.Holds);
        Assert.Equal((Hold.RollbackHolder, "rollback", "", 7, "alice", true), (hold.HolderId, hold.HolderName, hold.Reason, hold.RollbackTo, hold.PlacedBy, hold.UntilReleased));
        var audit = (await AuditAsync())[0];
        Assert.Equal(("system-hold", HoldChange.SystemHoldPlaced, "rollback"), (audit.Action, audit.HoldChange, audit.Target));
    }

    [Fact]
    public async Task ForceUnlockAll_WithoutHolds_IsRefused()
    {
        var result = await CreateSut().ForceUnlockAllAsync(Admin, Ct);

        Assert.Equal(new NothingToRelease(), result.Refusal);
    }

    [Fact]
    public async Task Extend_OwnHold_PushesExpiryBack()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromHours(1), "a", Ct);
        _time.Advance(TimeSpan.FromMinutes(50));

        var result = await sut.ExtendAsync(Alice, TimeSpan.FromMinutes(30), Ct);

        Assert.Equal(Start.AddMinutes(90), result.Hold!.ExpiresAt);
        Assert.Equal(Start.AddHours(1), result.Previous!.ExpiresAt);
        var extended = Assert.IsType<HoldExtended>(Events().Last());
        Assert.Equal(Start.AddHours(1), extended.PreviousExpiresAt);
    }

    [Fact]
    public async Task Extend_BeyondMaximumFromNow_IsRefused()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromHours(11), "a", Ct);

        var result = await sut.ExtendAsync(Alice, null, Ct);

        Assert.Equal(new ExtensionTooLong(TimeSpan.FromHours(2), TimeSpan.FromHours(13), TimeSpan.FromHours(12)), result.Refusal);
        Assert.Equal(Start.AddHours(11), Assert.Single((await sut.GetAsync(Ct)).Holds).ExpiresAt);
    }

    [Fact]
    public async Task Extend_WithoutHold_IsRefusedAndAudited()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromHours(1), "a", Ct);

        var result = await sut.ExtendAsync(Bob, null, Ct);

        Assert.Equal(new NoHold(null), result.Refusal);
        Assert.Equal(["alice"], result.Holds.Select(h => h.HolderName));
        Assert.Equal(("extend", true), ((await AuditAsync())[0].Action, (await AuditAsync())[0].Refused));
    }

    [Fact]
    public async Task Hold_PastExpiry_NoLongerBlocksDeploys()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, null, "a", Ct);

        _time.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));

        Assert.False((await sut.GetAsync(Ct)).IsHeldAt(_time.GetUtcNow()));
        var published = await sut.TickAsync(Ct);
        Assert.Equal("alice", Assert.IsType<HoldExpired>(Assert.Single(published)).Hold.HolderName);
        Assert.Empty(await sut.TickAsync(Ct));
        var audit = (await AuditAsync())[0];
        Assert.Equal(("system", "expire", "alice"), (audit.ActorId, audit.Action, audit.Target));
    }

    [Fact]
    public async Task Hold_BeforeExpiry_WarnsOnce()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, null, "a", Ct);
        _time.Advance(TimeSpan.FromMinutes(109));
        Assert.Empty(await sut.TickAsync(Ct));

        _time.Advance(TimeSpan.FromMinutes(2));
        var first = await sut.TickAsync(Ct);
        _time.Advance(TimeSpan.FromMinutes(5));
        var second = await sut.TickAsync(Ct);

        var warning = Assert.IsType<HoldExpiring>(Assert.Single(first));
        Assert.Equal(TimeSpan.FromMinutes(9), warning.Remaining);
        Assert.Empty(second);
        Assert.Single(Events().OfType<HoldExpiring>());
    }

    [Fact]
    public async Task Hold_ExtendedAfterWarning_WarnsAgainBeforeTheNewExpiry()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromHours(1), "a", Ct);
        _time.Advance(TimeSpan.FromMinutes(55));
        await sut.TickAsync(Ct);

        await sut.ExtendAsync(Alice, TimeSpan.FromHours(1), Ct);
        _time.Advance(TimeSpan.FromMinutes(56));
        await sut.TickAsync(Ct);

        Assert.Equal(2, Events().OfType<HoldExpiring>().Count());
    }

    [Fact]
    public async Task Hold_ShorterThanWarningLead_IsNotWarned()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromMinutes(5), "quick fix", Ct);
        _time.Advance(TimeSpan.FromMinutes(3));

        Assert.Empty(await sut.TickAsync(Ct));
    }

    [Fact]
    public async Task Hold_ClockJumpsPastWarningAndExpiry_ExpiresOnceWithoutWarning()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, null, "a", Ct);

        _time.Advance(TimeSpan.FromHours(5));
        var published = await sut.TickAsync(Ct);

        Assert.IsType<HoldExpired>(Assert.Single(published));
        Assert.Empty(await sut.TickAsync(Ct));
        Assert.Empty(Events().OfType<HoldExpiring>());
    }

    [Fact]
    public async Task Lock_AfterOwnHoldExpiredUnannounced_AnnouncesExpiryFirst()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromMinutes(30), "a", Ct);
        _time.Advance(TimeSpan.FromMinutes(31));

        var result = await sut.LockAsync(Alice, TimeSpan.FromMinutes(30), "b", Ct);

        Assert.Null(result.Previous);
        Assert.Equal(_time.GetUtcNow(), result.Hold!.Since);
        Assert.Equal([typeof(HoldAdded), typeof(HoldExpired), typeof(HoldAdded)], Events().Select(e => e.GetType()));
    }

    [Fact]
    public async Task Holds_SurviveReopeningTheStore()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromHours(3), "landing bug 123", Ct);
        await sut.LockAsync(Bob, TimeSpan.FromMinutes(45), "custom", Ct);

        var reopened = CreateSut();

        var holds = (await reopened.GetAsync(Ct)).Holds;
        Assert.Equal(["alice", "bob"], holds.Select(h => h.HolderName));
        Assert.Equal(Start.AddHours(3), holds[0].ExpiresAt);
        Assert.Equal("landing bug 123", holds[0].Reason);
        Assert.True((await reopened.UnlockAsync(Bob, Ct)).Succeeded);
    }

    [Fact]
    public async Task Warnings_AfterReopeningTheStore_AreNotRepeated()
    {
        var sut = CreateSut();
        await sut.LockAsync(Alice, null, "a", Ct);
        _time.Advance(TimeSpan.FromMinutes(112));
        Assert.IsType<HoldExpiring>(Assert.Single(await sut.TickAsync(Ct)));

        var reopened = CreateSut();

        Assert.Empty(await reopened.TickAsync(Ct));
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.IsType<HoldExpired>(Assert.Single(await reopened.TickAsync(Ct)));
        Assert.Empty(await CreateSut().TickAsync(Ct));
    }

    [Fact]
    public async Task Tick_WithCustomWarningLead_WarnsThatEarly()
    {
        _options = new LockOptions { WarningMinutes = 30 };
        var sut = CreateSut();
        await sut.LockAsync(Alice, TimeSpan.FromHours(1), "a", Ct);
        _time.Advance(TimeSpan.FromMinutes(30));

        var warning = Assert.IsType<HoldExpiring>(Assert.Single(await sut.TickAsync(Ct)));

        Assert.Equal(TimeSpan.FromMinutes(30), warning.Remaining);
    }
}
