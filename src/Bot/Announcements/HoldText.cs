using System.Globalization;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.CommitHolds;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>Who holds a hold and why, as people read it wherever holds are shown (replies, status, refusals, the web).</summary>
internal static class HoldText
{
    /// <summary>
    /// The holder's name; for the hold commits placed, <c>commit 1a2b3c4d5e6f (alice)</c> or <c>commits 1a2b3c4d5e6f,
    /// 7a8b9c0d1e2f</c>. A commit hold stored by an older build keeps its stored name.
    /// </summary>
    public static string Holder(Hold h) => Holder(h.HolderName, h.Commits);

    /// <summary>As <see cref="Holder(Hold)"/>, for a hold a policy answer waits on.</summary>
    public static string Holder(string name, IReadOnlyList<HoldCommit>? commits) => commits switch
    {
        [var one] => CommitName(one.Rev, one.Author),
        [_, _, ..] => "commits " + string.Join(", ", commits.Select(c => RevisionSet.Short(c.Rev))),
        _ => name,
    };

    /// <summary>
    /// The holder's reason; for the hold a rollback placed, <c>rolled back by alice to the set of rollout #1: !unlock
    /// rollback to resume automatic rollouts</c>; for the hold commits placed, what they said and
    /// <c>; !unlock commit to release</c>. A system hold stored by an older build keeps its stored words.
    /// </summary>
    public static string Reason(Hold h) => Reason(h.Reason, h.RollbackTo, h.HolderId == Hold.RollbackHolder ? h.PlacedBy : null, h.Commits);

    /// <summary>As <see cref="Reason(Hold)"/>, for a hold a policy answer waits on.</summary>
    public static string Reason(string reason, int? rollbackTo, string? rollbackBy, IReadOnlyList<HoldCommit>? commits = null)
    {
        if (commits is { Count: > 0 })
            return string.Join("; ", commits.Select(c => CommitReason(c.Reason)).Distinct(StringComparer.Ordinal)) + $"; !unlock {CommitHoldService.UnlockWord} to release";
        return reason.Length == 0 && rollbackBy is not null
            ? $"rolled back by {SafeText.Token(rollbackBy, 80)} to the set of rollout #{rollbackTo?.ToString(CultureInfo.InvariantCulture) ?? "?"}: !unlock rollback to resume automatic rollouts"
            : reason;
    }

    /// <summary>The line announced with a merge for each commit that asks for a hold: <c>held by commit 1a2b3c4d5e6f (alice): reason; !unlock commit to release</c>.</summary>
    public static string CommitHold(CommitHold h, string prefix) =>
        $"held by {CommitName(h.Rev, h.Author)}: {CommitReason(h.Reason)}; {prefix}unlock {CommitHoldService.UnlockWord} to release";

    private static string CommitName(string rev, string author) => $"commit {RevisionSet.Short(rev)} ({SafeText.Clean(author, 80)})";

    private static string CommitReason(string reason) => reason.Length == 0 ? "no reason given" : SafeText.Clean(reason, 200);
}
