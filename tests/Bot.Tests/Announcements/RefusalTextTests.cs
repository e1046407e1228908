using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>The words for the lock and freeze refusals the Deployer returns as data.</summary>
public sealed class RefusalTextTests
{
    private static readonly DateTimeOffset Now = new(2025, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static Hold HoldOf(string name, TimeSpan left, string reason = "") =>
        new() { HolderId = "u-" + name, HolderName = name, Reason = reason, Since = Now.AddMinutes(-10), ExpiresAt = Now + left };

    private static string Text(Refusal refusal, params Hold[] holds) => RefusalText.Of(refusal, holds, Now, TimeZoneInfo.Utc);

    public static TheoryData<Refusal, string> Durations() => new()
    {
        { new DurationTooShort(TimeSpan.Zero, TimeSpan.FromMinutes(1)), "duration must be at least 1m (got 0m)" },
        { new DurationTooShort(TimeSpan.FromMinutes(-5), TimeSpan.FromMinutes(1)), "duration must be at least 1m (got -5m)" },
        { new DurationTooShort(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1)), "duration must be at least 1m (got 30s)" },
        { new DurationTooLong(TimeSpan.FromMinutes(721), TimeSpan.FromHours(12)), "duration 12h1m is longer than the maximum 12h" },
        { new DurationTooLong(TimeSpan.FromMinutes(99999 * 60), TimeSpan.FromHours(12)), "duration 4166d15h is longer than the maximum 12h" },
        { new DurationTooLong(TimeSpan.FromDays(8), TimeSpan.FromDays(7)), "duration 8d is longer than the maximum 7d" },
        { new ReasonTooLong(501, 500), "reason is 501 characters long; the maximum is 500" },
        { new NothingToRelease(), "nothing to release: no holds are active" },
        { new ExtensionTooLong(TimeSpan.FromHours(2), TimeSpan.FromHours(13), TimeSpan.FromHours(12)), "extending by 2h would hold the lock for 13h from now; the maximum is 12h" },
    };

    [Theory]
    [MemberData(nameof(Durations))]
    public void Of_Refusal_NamesTheLimit(Refusal refusal, string expected) => Assert.Equal(expected, Text(refusal));

    [Fact]
    public void Of_NoHold_ListsTheCurrentHoldsWithTimeLeft()
    {
        Assert.Equal("you hold no lock; current holds: alice (1h20m left: landing bug 123)", Text(new NoHold(null), HoldOf("alice", TimeSpan.FromMinutes(80), "landing bug 123")));
        Assert.Equal("you hold no lock; current holds: none", Text(new NoHold(null)));
        Assert.Equal("carol holds no lock; current holds: alice (1h left)", Text(new NoHold("carol"), HoldOf("alice", TimeSpan.FromHours(1))));
    }

    [Fact]
    public void Of_NoAdHocFreeze_NamesTheScheduledWindow()
    {
        Assert.Equal("no freeze is open", Text(new NoAdHocFreeze([])));
        Assert.Equal(
            "no ad-hoc freeze is open; \"release week\" until 17:00 UTC is scheduled (policy.freezes) and can only be overridden with --force",
            Text(new NoAdHocFreeze([new OpenFreeze("release week", Now.AddHours(5))])));
    }
}
