using System.Globalization;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Locks;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>Why a hold is held, as people read it wherever holds are shown (replies, status, refusals, the web).</summary>
internal static class HoldText
{
    /// <summary>
    /// The holder's reason; for the hold a rollback placed, <c>rolled back by alice to the set of rollout #1: !unlock
    /// rollback to resume automatic rollouts</c>. A rollback hold stored by an older build keeps its stored words.
    /// </summary>
    public static string Reason(Hold h) => Reason(h.Reason, h.RollbackTo, h.HolderId == Hold.RollbackHolder ? h.PlacedBy : null);

    /// <summary>As <see cref="Reason(Hold)"/>, for a hold a policy answer waits on.</summary>
    public static string Reason(string reason, int? rollbackTo, string? rollbackBy) => reason.Length == 0 && rollbackBy is not null
        ? $"rolled back by {SafeText.Token(rollbackBy, 80)} to the set of rollout #{rollbackTo?.ToString(CultureInfo.InvariantCulture) ?? "?"}: !unlock rollback to resume automatic rollouts"
        : reason;
}
