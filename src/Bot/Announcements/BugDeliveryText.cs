using System.Globalization;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Bugs;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>How a bug comment fared, in words: why it was given up, how a sent one got there (chat and <c>!status bugs</c>).</summary>
internal static class BugDeliveryText
{
    /// <summary>
    /// <c>bug 7777777 does not exist or is not accessible (HTTP 404)</c>, <c>refused: HTTP 400</c>,
    /// <c>tracker 'other' is no longer configured</c>; the detail is the tracker's answer.
    /// </summary>
    public static string Dropped(BugCommentEntry e, BugCommentDrop d) => d.Reason switch
    {
        BugCommentDropReason.TrackerRemoved => $"tracker '{e.Tracker}' is no longer configured",
        BugCommentDropReason.BugMissing => $"bug {e.Bug.ToString(CultureInfo.InvariantCulture)} does not exist or is not accessible ({Answer(d)})",
        _ => $"refused: {Answer(d)}",
    };

    private static string Answer(BugCommentDrop d) => d.Problem is { } p ? Problem(p) : d.LegacyDetail ?? "";

    /// <summary><c>no answer in time</c>, <c>cannot connect: Connection refused (bugzilla:443)</c>, <c>HTTP 503: busy</c>.</summary>
    public static string Problem(TrackerProblem p) => p.Answer switch
    {
        TrackerAnswer.NoAnswer => "no answer in time",
        TrackerAnswer.CannotConnect => "cannot connect" + Said(p),
        TrackerAnswer.BugNotListed => "the bug is not in the tracker's answer",
        _ => "HTTP " + p.Status?.ToString(CultureInfo.InvariantCulture) + Said(p),
    };

    private static string Said(TrackerProblem p) => p.Said is { Length: > 0 } s ? ": " + SafeText.Clean(s, 200) : "";

    public static string Delivered(BugCommentDelivered how) => how switch
    {
        BugCommentDelivered.FoundOnBug => "found on the bug after a lost answer; not posted again",
        BugCommentDelivered.DryRun => "dry run: logged, not sent",
        _ => "posted",
    };

    /// <summary>
    /// The note <c>!status bugs</c> shows: the tracker's last answer while pending, why it was given up, how it was sent.
    /// Entries an older build stored keep its words.
    /// </summary>
    public static string Note(BugCommentEntry e) => e.State switch
    {
        BugCommentState.Failed when e.Dropped is { } d => Dropped(e, d),
        BugCommentState.Sent => e.Delivered is { } how ? Delivered(how) : e.LegacyNote ?? "",
        _ => e.LastProblem is { } p ? Problem(p) : e.LegacyLastError ?? "",
    };
}
