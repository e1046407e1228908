using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Locks;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// Tells the channel about lock changes nobody typed: expiry warnings and expiries. A release someone typed (also
/// an admin's <c>!unlock @bob</c>) is answered by the command's reply alone.
/// </summary>
internal sealed class LockAnnouncer(
    LockService locks, LockReplies replies, IEnumerable<IUnlockOutlook> outlooks, Hosting.BotOptions options, TimeProvider time, Chat.IChatTransport transport) : IEventAnnouncer
{
    public async Task<IReadOnlyList<string>> AnnounceAsync(DeployerEvent e, CancellationToken cancellationToken)
    {
        var p = options.Chat.Prefix;
        switch (e)
        {
            case HoldExpiring w:
                // Addressed so that the holder is told (a Discord mention, an IRC nick), not only the channel.
                return [$"{transport.Capabilities.Address(w.Hold.HolderId, w.Hold.HolderName)}: your deploy lock expires in {HumanTime.MinutesUntil(w.Remaining)} (at {replies.Clock(w.Hold.ExpiresAt)}){(w.Hold.Reason.Length > 0 ? $" — {w.Hold.Reason}" : "")}. {p}extend to keep it, {p}unlock when done"];
            case HoldExpired x:
                var state = await locks.GetAsync(cancellationToken);
                var holds = state.ActiveAt(time.GetUtcNow());
                var text = $"{HumanNames.Possessive(x.Hold.HolderName)} deploy lock expired{(x.Hold.Reason.Length > 0 ? $" ({x.Hold.Reason})" : "")}. Now {replies.Holds(holds)}";
                if (holds.Count == 0)
                {
                    foreach (var o in outlooks) text += ". " + await o.OutlookAsync(cancellationToken);
                }

                return [text];
            default:
                return [];
        }
    }
}
