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
        var known = (await store.GetHostStatesAsync(cancellationToken)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var unseen = fleet.Hosts.Where(h => h.Enabled && !known.Contains(h.Name)).ToList();
        if (unseen.Count > 0)
        {
            _probe = Task.Run(async () =>
            {
                var read = await probe.ProbeAsync(unseen, _stopping.Token);
                Log.UnseenRead(logger, read.Count, unseen.Count);
            }, CancellationToken.None);
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
