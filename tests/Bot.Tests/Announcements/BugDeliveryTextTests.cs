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
        { "bug 7777777 does not exist or is not accessible (HTTP 404: Bug #7777777 does not exist.)", new BugCommentDrop(BugCommentDropReason.BugMissing, "HTTP 404: Bug #7777777 does not exist.") },
        { "refused: HTTP 400: comment too long", new BugCommentDrop(BugCommentDropReason.Refused, "HTTP 400: comment too long") },
    };

    [Theory]
    [MemberData(nameof(Drops))]
    public void Dropped_ReadsAsPinned(string expected, BugCommentDrop drop)
    {
        Assert.Equal(expected, BugDeliveryText.Dropped(Entry, drop));
        Assert.Equal(expected, BugDeliveryText.Note(Entry with { State = BugCommentState.Failed, Dropped = drop }));
    }

    [Theory]
    [InlineData(BugCommentDelivered.Posted, "posted")]
    [InlineData(BugCommentDelivered.FoundOnBug, "found on the bug after a lost answer; not posted again")]
    [InlineData(BugCommentDelivered.DryRun, "dry run: logged, not sent")]
    public void Delivered_ReadsAsPinned(BugCommentDelivered how, string expected) =>
        Assert.Equal(expected, BugDeliveryText.Note(Entry with { State = BugCommentState.Sent, Delivered = how }));

    [Fact]
    public void Note_PendingShowsTheTrackersLastAnswer_OldEntriesTheirStoredWords()
    {
        Assert.Equal("HTTP 503", BugDeliveryText.Note(Entry with { LastError = "HTTP 503" }));
        Assert.Equal("refused: HTTP 400", BugDeliveryText.Note(Entry with { State = BugCommentState.Failed, LastError = "refused: HTTP 400" }));
        Assert.Equal("posted", BugDeliveryText.Note(Entry with { State = BugCommentState.Sent, LegacyNote = "posted" }));
    }
}
