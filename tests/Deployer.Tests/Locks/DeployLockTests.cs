using ChatOpsReconfig.Deployer.Locks;

namespace ChatOpsReconfig.Deployer.Tests.Locks;

public sealed class DeployLockTests
{
    private static readonly DateTimeOffset T0 = new(2025, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lead = TimeSpan.FromMinutes(10);

    private static DateTimeOffset At(double minutes) => T0.AddMinutes(minutes);

    private static DeployLock AliceFor(double minutes, string reason = "landing bug 123") =>
        DeployLock.Empty.Add("u-alice", "alice", reason, T0, TimeSpan.FromMinutes(minutes), Lead);

    [Theory]
    [InlineData(0, true)]
    [InlineData(119, true)]
    [InlineData(119.99, true)]
    [InlineData(120, false)] // the expiry instant itself is no longer held
    [InlineData(121, false)]
    public void IsHeldAt_BeforeAndAfterExpiry(double atMinutes, bool held)
    {
        var state = AliceFor(120);

        Assert.Equal(held, state.IsHeldAt(At(atMinutes)));
        Assert.Equal(held ? 1 : 0, state.ActiveAt(At(atMinutes)).Count);
        Assert.Equal(held ? 0 : 1, state.ExpiredAt(At(atMinutes)).Count);
    }

    [Fact]
    public void Add_SecondPerson_KeepsBothHolds()
    {
        var state = AliceFor(120).Add("u-bob", "bob", "configs", At(5), TimeSpan.FromMinutes(30), Lead);

        Assert.Equal(["alice", "bob"], state.ActiveAt(At(6)).Select(h => h.HolderName));
        Assert.True(state.IsHeldAt(At(100))); // bob's ended, alice's has not
    }

    [Theory]
    [InlineData("new reason", 30, "new reason")]
    [InlineData("", 30, "landing bug 123")]
    [InlineData("", 300, "landing bug 123")]
    public void Add_SamePersonAgain_ReplacesTheirHoldKeepingItsStart(string reason, double minutes, string expectedReason)
    {
        var state = AliceFor(120).Add("u-alice", "alice", reason, At(20), TimeSpan.FromMinutes(minutes), Lead);

        var hold = Assert.Single(state.Holds);
        Assert.Equal(T0, hold.Since);
        Assert.Equal(At(20 + minutes), hold.ExpiresAt);
        Assert.Equal(expectedReason, hold.Reason);
    }

    [Fact]
    public void Add_AfterOwnHoldExpired_StartsAFreshHold()
    {
        var state = AliceFor(30).Add("u-alice", "alice", "again", At(40), TimeSpan.FromMinutes(30), Lead);

        var hold = Assert.Single(state.Holds);
        Assert.Equal(At(40), hold.Since);
    }

    [Theory]
    [InlineData(5, true)] // shorter than the lead: nothing to warn about
    [InlineData(10, true)]
    [InlineData(11, false)]
    [InlineData(120, false)]
    public void Add_HoldNoLongerThanWarningLead_IsBornWarned(double minutes, bool warned) =>
        Assert.Equal(warned, Assert.Single(AliceFor(minutes).Holds).Warned);

    [Theory]
    [InlineData(0, false)]
    [InlineData(109.99, false)]
    [InlineData(110, true)] // exactly the lead before expiry
    [InlineData(119, true)]
    [InlineData(120, false)] // expired: no warning, only the expiry
    [InlineData(500, false)]
    public void NeedingWarningAt_OnlyWithinLeadBeforeExpiry(double atMinutes, bool needed) =>
        Assert.Equal(needed, AliceFor(120).NeedingWarningAt(At(atMinutes), Lead).Count == 1);

    [Fact]
    public void NeedingWarningAt_AlreadyWarned_IsEmpty()
    {
        var warned = AliceFor(120).MarkWarned(["u-alice"]);

        Assert.Empty(warned.NeedingWarningAt(At(115), Lead));
    }

    [Theory]
    [InlineData(60, 100, 180, false)] // 1h added at 1h40m: ends 3h, 1h20m away, warning re-armed
    [InlineData(5, 116, 125, true)] // 5m added close to the end: still within the lead
    public void Extend_OwnHold_MovesExpiryAndRearmsWarning(double byMinutes, double atMinutes, double expectedEnd, bool warned)
    {
        var state = AliceFor(120).MarkWarned(["u-alice"]).Extend("u-alice", At(atMinutes), TimeSpan.FromMinutes(byMinutes), Lead);

        var hold = Assert.Single(state.Holds);
        Assert.Equal(At(expectedEnd), hold.ExpiresAt);
        Assert.Equal(warned, hold.Warned);
    }

    [Theory]
    [InlineData("u-bob", 10)] // not a holder
    [InlineData("u-alice", 130)] // expired
    public void Extend_WithoutActiveHold_ChangesNothing(string who, double atMinutes)
    {
        var state = AliceFor(120);

        Assert.Equal(state.Holds, state.Extend(who, At(atMinutes), TimeSpan.FromHours(1), Lead).Holds);
    }

    [Fact]
    public void Release_RemovesOnlyThatPersonsHold()
    {
        var state = AliceFor(120).Add("u-bob", "bob", "", T0, TimeSpan.FromHours(1), Lead);

        Assert.Equal(["bob"], state.Release("u-alice").Holds.Select(h => h.HolderName));
        Assert.Empty(state.ReleaseAll().Holds);
    }

    [Fact]
    public void WithoutExpiredAt_DropsOnlyExpiredHolds()
    {
        var state = AliceFor(120).Add("u-bob", "bob", "", T0, TimeSpan.FromMinutes(30), Lead);

        Assert.Equal(["alice"], state.WithoutExpiredAt(At(30)).Holds.Select(h => h.HolderName));
    }

    [Theory]
    [InlineData("u-alice", "alice")]
    [InlineData("alice", "alice")]
    [InlineData("@Alice", "alice")]
    [InlineData("bob", "bob")]
    [InlineData("carol", null)]
    [InlineData("al", null)]
    public void FindActive_ByIdOrName(string target, string? expected)
    {
        var state = AliceFor(120).Add("u-bob", "bob", "", T0, TimeSpan.FromMinutes(30), Lead);

        Assert.Equal(expected, state.FindActive(target, At(1))?.HolderName);
    }

    [Fact]
    public void FindActive_AmbiguousName_FindsNothing()
    {
        var state = AliceFor(120).Add("u-alice2", "alice", "", T0, TimeSpan.FromMinutes(30), Lead);

        Assert.Null(state.FindActive("alice", At(1)));
        Assert.Equal("u-alice2", state.FindActive("u-alice2", At(1))?.HolderId);
    }
}
