using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Policy;

public sealed class FreezeServiceTests : IDisposable
{
    // 2025-11-24 is a Monday; the scheduled window runs Mondays 09:00-17:00 UTC.
    private static readonly DateTimeOffset Start = new(2025, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly Actor Carol = new("u-carol", "carol");

    private readonly FakeTimeProvider _time = new(Start);
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-freezes-").FullName;
    private readonly PolicyOptions _options = new()
    {
        Freezes = [new FreezeOptions { Cron = "0 9 * * 1", DurationMinutes = 8 * 60, Reason = "release week" }],
    };

    private StoreDatabase? _db;

    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose()
    {
        _db?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private FreezeService CreateSut()
    {
        _db?.Dispose();
        _db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        return new FreezeService(new FreezeStore(_db), _time, Options.Create(_options), NullLogger<FreezeService>.Instance);
    }

    private Task<IReadOnlyList<AuditEntry>> AuditAsync() => new FreezeStore(_db!).ReadAuditAsync(20, Ct);

    [Fact]
    public async Task Freeze_OpensAnAdHocFreezeUntilItsEnd()
    {
        var sut = CreateSut();

        var result = await sut.FreezeAsync(Carol, TimeSpan.FromHours(2), "db migration", Ct);

        Assert.True(result.Succeeded);
        Assert.Equal(new OpenFreeze("db migration", Start.AddHours(2), "carol"), Assert.Single(await sut.GetOpenAsync(Ct)));
        _time.Advance(TimeSpan.FromHours(2));
        Assert.Empty(await sut.GetOpenAsync(Ct));
        var audit = (await AuditAsync())[0];
        Assert.Equal(("carol", "freeze", false), (audit.ActorName, audit.Action, audit.Refused));
        Assert.Equal(((FreezeChange?)FreezeChange.Frozen, (string?)null, (TimeSpan?)TimeSpan.FromHours(2), "db migration"), (audit.FreezeChange, audit.Target, audit.Duration, audit.Reason));
    }

    [Fact]
    public async Task Freeze_WithoutReason_KeepsNoWords()
    {
        var sut = CreateSut();

        await sut.FreezeAsync(Carol, TimeSpan.FromHours(1), null, Ct);

        Assert.Equal(new OpenFreeze("", Start.AddHours(1), "carol"), Assert.Single(await sut.GetOpenAsync(Ct)));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(8 * 24 * 60, true)]
    public async Task Freeze_DurationOutsideLimits_IsRefusedAndAudited(int minutes, bool tooLong)
    {
        var sut = CreateSut();
        var got = TimeSpan.FromMinutes(minutes);

        var result = await sut.FreezeAsync(Carol, got, "x", Ct);

        Refusal refusal = tooLong ? new DurationTooLong(got, TimeSpan.FromDays(7)) : new DurationTooShort(got, TimeSpan.FromMinutes(1));
        Assert.Equal(refusal, result.Refusal);
        Assert.Empty(await sut.GetOpenAsync(Ct));
        Assert.True((await AuditAsync())[0].Refused);
    }

    [Fact]
    public async Task Unfreeze_LiftsTheAdHocFreeze()
    {
        var sut = CreateSut();
        await sut.FreezeAsync(Carol, TimeSpan.FromHours(2), "db migration", Ct);

        var result = await sut.UnfreezeAsync(new Actor("u-dave", "dave"), Ct);

        Assert.True(result.Succeeded);
        Assert.Empty(await sut.GetOpenAsync(Ct));
        var audit = (await AuditAsync())[0];
        Assert.Equal(((FreezeChange?)FreezeChange.Lifted, "carol", "db migration", ""), (audit.FreezeChange, audit.Target, audit.Reason, audit.Detail));
    }

    [Fact]
    public async Task Unfreeze_WithoutFreeze_IsRefusedAndAudited()
    {
        var sut = CreateSut();

        var result = await sut.UnfreezeAsync(Carol, Ct);

        Assert.Empty(Assert.IsType<NoAdHocFreeze>(result.Refusal).Scheduled);
        Assert.Equal(("unfreeze", true), ((await AuditAsync())[0].Action, (await AuditAsync())[0].Refused));
    }

    [Fact]
    public async Task Unfreeze_DuringScheduledWindow_SaysItCannotBeLifted()
    {
        _time.SetUtcNow(new DateTimeOffset(2025, 12, 1, 10, 0, 0, TimeSpan.Zero));
        var sut = CreateSut();

        var result = await sut.UnfreezeAsync(Carol, Ct);

        Assert.Equal(new OpenFreeze("release week", new DateTimeOffset(2025, 12, 1, 17, 0, 0, TimeSpan.Zero)), Assert.Single(Assert.IsType<NoAdHocFreeze>(result.Refusal).Scheduled));
        Assert.Equal("release week", Assert.Single(await sut.GetOpenAsync(Ct)).Reason);
    }

    [Fact]
    public async Task Freeze_SurvivesReopeningTheStore()
    {
        await CreateSut().FreezeAsync(Carol, TimeSpan.FromHours(2), "db migration", Ct);

        var reopened = CreateSut();

        Assert.Equal("db migration", Assert.Single(await reopened.GetOpenAsync(Ct)).Reason);
    }
}
