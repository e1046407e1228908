using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Bugs;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>How a bug comment given up or sent reads (pinned; the Deployer keeps only typed values).</summary>
public sealed class BugDeliveryTextTests
{
    private static readonly BugCommentEntry Entry = new() { Tracker = "bmo", Bug = 7777777, RolloutId = 3 };

    public static TheoryData<string, BugCommentDrop> Drops() => new()
    {
        { "tracker 'bmo' is no longer configured", new BugCommentDrop(BugCommentDropReason.TrackerRemoved) },
        { "bug 7777777 does not exist or is not accessible (HTTP 404: Bug #7777777 does not exist.)", new BugCommentDrop(BugCommentDropReason.BugMissing, new TrackerProblem(TrackerAnswer.Http, 404, "Bug #7777777 does not exist.")) },
        { "bug 7777777 does not exist or is not accessible (the bug is not in the tracker's answer)", new BugCommentDrop(BugCommentDropReason.BugMissing, new TrackerProblem(TrackerAnswer.BugNotListed)) },
        { "refused: HTTP 400: comment too long", new BugCommentDrop(BugCommentDropReason.Refused, new TrackerProblem(TrackerAnswer.Http, 400, "comment too long")) },
        { "refused: HTTP 400: as an older build stored it", new BugCommentDrop(BugCommentDropReason.Refused) { LegacyDetail = "HTTP 400: as an older build stored it" } },
    };

    [Theory]
    [MemberData(nameof(Drops))]
    public void Dropped_ReadsAsPinned(string expected, BugCommentDrop drop)
    {
        Assert.Equal(expected, BugDeliveryText.Dropped(Entry, drop));
        Assert.Equal(expected, BugDeliveryText.Note(Entry with { State = BugCommentState.Failed, Dropped = drop }));
    }

    public static TheoryData<string, TrackerProblem> Problems() => new()
    {
        { "no answer in time", new TrackerProblem(TrackerAnswer.NoAnswer) },
        { "cannot connect: Connection refused (bugzilla.example:443)", new TrackerProblem(TrackerAnswer.CannotConnect, Said: "Connection refused (bugzilla.example:443)") },
        { "cannot connect", new TrackerProblem(TrackerAnswer.CannotConnect) },
        { "HTTP 429: rate limited", new TrackerProblem(TrackerAnswer.Http, 429, "rate limited") },
        { "HTTP 502: <\u200B@123> x", new TrackerProblem(TrackerAnswer.Http, 502, "<@123> \u202Ex") },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Problem_ReadsAsPinned(string expected, TrackerProblem problem) => Assert.Equal(expected, BugDeliveryText.Problem(problem));

    [Theory]
    [InlineData(BugCommentDelivered.Posted, "posted")]
    [InlineData(BugCommentDelivered.FoundOnBug, "found on the bug after a lost answer; not posted again")]
    [InlineData(BugCommentDelivered.DryRun, "dry run: logged, not sent")]
    public void Delivered_ReadsAsPinned(BugCommentDelivered how, string expected) =>
        Assert.Equal(expected, BugDeliveryText.Note(Entry with { State = BugCommentState.Sent, Delivered = how }));

    [Fact]
    public void Note_PendingShowsTheTrackersLastAnswer_OldEntriesTheirStoredWords()
    {
        Assert.Equal("HTTP 503", BugDeliveryText.Note(Entry with { LastProblem = new TrackerProblem(TrackerAnswer.Http, 503) }));
        Assert.Equal("HTTP 503", BugDeliveryText.Note(Entry with { LegacyLastError = "HTTP 503" }));
        Assert.Equal("refused: HTTP 400", BugDeliveryText.Note(Entry with { State = BugCommentState.Failed, LegacyLastError = "refused: HTTP 400" }));
        Assert.Equal("posted", BugDeliveryText.Note(Entry with { State = BugCommentState.Sent, LegacyNote = "posted" }));
    }
}
