using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Deployer.Demo;
using ChatOpsReconfig.Deployer.Fleet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Hosting;

/// <summary>
/// Work that must finish before the loops start: create the demo fleet, greet the channel, then say what happened
/// while the bot was away: first the events saved but not yet announced (pending announce entries, in the order they
/// were saved: merges, rollouts that ended during a crash or a <c>chatops deploy</c> while the bot was stopped), then
/// rollouts a crash left running (marked interrupted now).
/// </summary>
internal sealed partial class BotStartup(
    FleetConfig fleet,
    DemoFleetSeeder seeder,
    StartupRecovery recovery,
    Deployer.Status.LiveProbe probe,
    Deployer.Outbox.PendingAnnouncements pending,
    Deployer.Rollout.IRolloutStore store,
    ChatOutbox outbox,
    IChatTransport transport,
    BotOptions options,
    LeaderState leadership,
    Deployer.Store.StoreHealth health,
    TimeProvider time,
    ILogger<BotStartup> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _probe = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var created in await seeder.SeedAsync(cancellationToken)) Log.Created(logger, created.Part, created.Name, created.Path);
        var running = (await store.AnyWithStateAsync(Deployer.Rollout.RolloutState.Running, cancellationToken)) ? (await store.WithStateAsync(Deployer.Rollout.RolloutState.Running, cancellationToken)).Count : 0;
        var p = options.Chat.Prefix;
        var enabled = fleet.Hosts.Count(h => h.Enabled);
        await outbox.EnqueueAsync(transport.DefaultChannel,
            $"ChatOpsReconfig is here: watching {fleet.Repos.Count} repos ({string.Join(", ", fleet.Repos.Keys)}) for {enabled} hosts. "
            + $"Try {p}status, {p}deploy now, {p}help."
            + (leadership.Shared ? $" ({leadership.Instance} leads; the other bots on this store stand by)" : "")
            + (running > 0 ? $" ({running} interrupted rollout(s) found, see below)" : ""), cancellationToken: cancellationToken);

        // Before the watcher starts (registered after this service), so replayed merges come before new ones.
        await pending.ReplayAsync(cancellationToken);
        await recovery.MarkInterruptedAsync(cancellationToken);

        // Hosts never seen have no revisions in the store; ask them once, in the background, so !status can tell.
        var unseen = await NeverSeenAsync(fleet.Hosts.Where(h => h.Enabled), cancellationToken);
        if (unseen.Count > 0) _probe = Task.Run(() => ReadUnseenAsync(unseen, _stopping.Token), CancellationToken.None);
    }

    /// <summary>The hosts of <paramref name="hosts"/> the store has no state of.</summary>
    private async Task<IReadOnlyList<HostConfig>> NeverSeenAsync(IEnumerable<HostConfig> hosts, CancellationToken cancellationToken)
    {
        var known = (await store.GetHostStatesAsync(cancellationToken)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        return hosts.Where(h => !known.Contains(h.Name)).ToList();
    }

    /// <summary>
    /// Reads the unseen hosts. A store that refuses the answers (made read-only meanwhile) does not lose them for good:
    /// once it can be written again the hosts still unknown are read again. Never throws: it runs beside the bot.
    /// </summary>
    private async Task ReadUnseenAsync(IReadOnlyList<HostConfig> unseen, CancellationToken cancellationToken)
    {
        try
        {
            var remaining = unseen;
            while (true)
            {
                try
                {
                    var read = await probe.ProbeAsync(remaining, cancellationToken);
                    Log.UnseenRead(logger, read.Count + unseen.Count - remaining.Count, unseen.Count);
                    return;
                }
                catch (Deployer.Store.StoreUnusableException e)
                {
                    Log.UnseenNotRecorded(logger, e.Message);
                }

                do await Task.Delay(StoreHealthAnnouncer.ProbeInterval, time, cancellationToken);
                while (!health.Probe());

                remaining = await NeverSeenAsync(unseen, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception e)
        {
            Log.UnseenFailed(logger, e);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try { await _probe.WaitAsync(cancellationToken); }
        catch (OperationCanceledException) { /* shutting down */ }
    }

    /// <summary>The first revision probe of unseen hosts, for tests and shutdown.</summary>
    public Task InitialProbe => _probe;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Demo: created {Part} {Name} at {Path}")]
        public static partial void Created(ILogger logger, DemoPart part, string name, string path);

        [LoggerMessage(2, LogLevel.Information, "Read the revisions of {Read} of {Unseen} hosts never seen before")]
        public static partial void UnseenRead(ILogger logger, int read, int unseen);

        [LoggerMessage(3, LogLevel.Warning, "The revisions read from hosts never seen before were not recorded ({Problem}); they are read again once the store can be written")]
        public static partial void UnseenNotRecorded(ILogger logger, string problem);

        [LoggerMessage(4, LogLevel.Error, "Reading the revisions of hosts never seen before failed; !status shows them unknown until a rollout or `chatops status --live` reads them")]
        public static partial void UnseenFailed(ILogger logger, Exception exception);
    }
}

/// <summary>Stopped first: cancels a running rollout cleanly and waits for its report before chat shuts down.</summary>
internal sealed class RolloutShutdown(Deployer.Rollout.RolloutCoordinator coordinator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        coordinator.Cancel("shutdown");
        await coordinator.WhenIdleAsync().WaitAsync(cancellationToken);
    }
}
