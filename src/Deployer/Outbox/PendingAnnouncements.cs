using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Outbox;

/// <summary>
/// The announce entries still pending: events saved but not yet put into chat (a crash, a stop, or a
/// <c>chatops deploy</c> while the bot was away). The bot publishes them again at start, oldest first.
/// </summary>
public sealed partial class PendingAnnouncements(
    IOutboxStore outbox, IRepoStore repos, IRolloutStore rollouts, DeployerEvents events, ILogger<PendingAnnouncements> logger)
{
    /// <summary>
    /// Publishes the event of every pending announce entry, in the order they were written: a merge as a replayed
    /// <see cref="MergeDetected"/>, an ended rollout as a replayed <see cref="RolloutFinished"/> (start message and
    /// results), an interrupted one as <see cref="RolloutInterrupted"/>, a repo lost or back as the event it saved. An entry
    /// whose subject is gone is given up.
    /// </summary>
    public async Task<int> ReplayAsync(CancellationToken cancellationToken)
    {
        var replayed = 0;
        foreach (var entry in await outbox.PendingAsync(OutboxKinds.Announce, cancellationToken))
        {
            var e = await EventOfAsync(entry, cancellationToken);
            if (e is null)
            {
                Log.Gone(logger, entry.Id, entry.Payload);
                await outbox.MarkFailedAsync(entry.Id, AnnounceEntries.SubjectGone, cancellationToken);
                continue;
            }

            events.Publish(e);
            replayed++;
        }

        if (replayed > 0) Log.Replayed(logger, replayed);
        return replayed;
    }

    /// <summary>The merges saved but not yet announced, oldest first.</summary>
    public async Task<IReadOnlyList<Merge>> MergesAsync(CancellationToken cancellationToken)
    {
        var merges = new List<Merge>();
        foreach (var entry in await outbox.PendingAsync(OutboxKinds.Announce, cancellationToken))
        {
            if (AnnounceEntries.Read(entry) is (AnnounceSubject.Merge, var id) && await repos.GetMergeAsync(id, cancellationToken) is { } merge) merges.Add(merge);
        }

        return merges;
    }

    private async Task<DeployerEvent?> EventOfAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        if (AnnounceEntries.ReadRepo(entry) is { } change) return change;
        switch (AnnounceEntries.Read(entry))
        {
            case (AnnounceSubject.Merge, var id):
                return await repos.GetMergeAsync(id, cancellationToken) is { } merge ? new MergeDetected(merge, Replayed: true) : null;
            case (AnnounceSubject.Rollout, var id):
                if (await rollouts.GetAsync(id, cancellationToken) is not { } rollout || !AnnounceEntries.IsEnded(rollout.State)) return null;
                var hosts = await rollouts.GetHostsAsync(id, cancellationToken);
                return rollout.State == RolloutState.Interrupted
                    ? new RolloutInterrupted(rollout, StartupRecovery.Unfinished(rollout, hosts))
                    : new RolloutFinished(rollout, hosts, Replayed: true);
            default:
                return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1601, LogLevel.Information, "Re-publishing {Count} events saved but never announced")]
        public static partial void Replayed(ILogger logger, int count);

        [LoggerMessage(1602, LogLevel.Warning, "Announce entry {EntryId} ({Payload}) names nothing in the store; given up")]
        public static partial void Gone(ILogger logger, int entryId, string payload);
    }
}
