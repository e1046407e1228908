using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Events;

namespace ChatOpsReconfig.Bot.Bugs;

/// <summary>Bug-comment trouble in chat: a tracker failing (once per outage), back again, and a comment given up.</summary>
internal sealed class BugAnnouncer(Hosting.BotOptions options) : IEventAnnouncer
{
    public Task<IReadOnlyList<string>> AnnounceAsync(DeployerEvent e, CancellationToken cancellationToken)
    {
        var prefix = options.Chat.Prefix;
        IReadOnlyList<string> texts = e switch
        {
            BugTrackerFailing f => [$"bug comments to {f.Tracker} are failing ({BugDeliveryText.Problem(f.Problem)}); {f.Waiting} waiting, retried with backoff. {prefix}status bugs shows them"],
            BugTrackerRecovered r => [$"bug comments to {r.Tracker} are delivered again"],
            BugCommentDropped d => [$"gave up the comment on {d.Entry.Tracker} bug {d.Entry.Bug} for rollout #{d.Entry.RolloutId}: {SafeText.Clean(BugDeliveryText.Dropped(d.Entry, d.Drop), 200)}"],
            _ => [],
        };
        return Task.FromResult(texts);
    }
}
