using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// Turns Deployer events into chat messages through the outbox: a start message, one progress message edited as
/// hosts finish (where the transport cannot edit: a progress line at 25%, 50%, 75% and 100%), then a summary line
/// and the per-host table. Other features add their own event handlers. The messages of one event are queued
/// together, with the completion of its announce entry where it has one, so a restart neither repeats nor loses them.
/// </summary>
internal sealed partial class AnnouncementService(
    DeployerEvents events,
    ChatOutbox outbox,
    OutboxSender sender,
    IChatTransport transport,
    IRolloutStore store,
    IEnumerable<IEventAnnouncer> announcers,
    TimeProvider time,
    ILogger<AnnouncementService> logger) : BackgroundService
{
    private readonly System.Threading.Channels.ChannelReader<DeployerEvent> _reader = events.Subscribe();

    /// <summary>Events published but not yet turned into outbox entries (including the one being handled).</summary>
    public int Pending => _reader.Count;

    private TaskCompletionSource _handled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once every event published so far is in the outbox (shutdown and tests wait on it).</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Take the signal before looking: an event handled in between completes it, and the loop looks again.
            var handled = Volatile.Read(ref _handled);
            if (_reader.Count == 0) return;
            await handled.Task.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Peek, handle, then take: the event stays counted in Pending until its messages are in the outbox.
            while (await _reader.WaitToReadAsync(stoppingToken))
            {
                while (_reader.TryPeek(out var e))
                {
                    try
                    {
                        await HandleAsync(e, stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        Log.AnnounceFailed(logger, ex, e.GetType().Name);
                    }

                    _reader.TryRead(out _);
                    Interlocked.Exchange(ref _handled, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown: StopAsync drains what is left.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            while (_reader.TryRead(out var e)) await HandleAsync(e, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The store refused (a leader that lost its lease, a store gone read-only). What must be said is kept as
            // announce entries and replayed at the next start; stopping must still end with the bot's own exit code.
            Log.DrainFailed(logger, ex.Message);
        }
    }

    private async Task HandleAsync(DeployerEvent e, CancellationToken ct)
    {
        var channel = transport.DefaultChannel;
        var limit = transport.MaxMessageLength;
        var messages = new List<OutboxMessage>();
        void Say(string text, string? progressKey = null) => messages.Add(ChatOutbox.Message(channel, text, progressKey));
        switch (e)
        {
            case RolloutStarted s:
                Say(RolloutMessages.Started(s.Rollout));
                Say(RolloutMessages.Progress(s.Rollout.Id, 0, s.Rollout.Hosts.Count, 0), ProgressKey(s.Rollout.Id));
                break;
            case HostFinished f when transport.Capabilities.CanEdit:
                await sender.EditProgressAsync(ProgressKey(f.RolloutId), RolloutMessages.Progress(f), ct);
                break;
            case HostFinished f when RolloutMessages.IsMilestone(f.Done, f.Total):
                // No edits (IRC): a new progress line at every quarter instead of one line edited per host.
                Say(RolloutMessages.Progress(f));
                break;
            case RolloutFinished r:
                // Replayed at start: it ran while nobody announced it, so its start comes first.
                if (r.Replayed) Say(RolloutMessages.Started(r.Rollout));
                Say(RolloutMessages.Summary(r.Rollout, r.Results));
                foreach (var chunk in RolloutMessages.Results(r.Rollout, r.Results, limit)) Say(chunk);
                break;
            case RolloutInterrupted i:
                var results = await store.GetHostsAsync(i.Rollout.Id, ct);
                var done = results.Count(x => x.Outcome is HostOutcome.Ok);
                Say($"INTERRUPTED: rollout #{i.Rollout.Id} (started by {i.Rollout.StartedBy}) was cut short when the bot stopped: {done}/{i.Rollout.Hosts.Count} hosts finished ok; unfinished: {(i.UnfinishedHosts.Count == 0 ? "none" : string.Join(", ", i.UnfinishedHosts))}");
                break;
        }

        foreach (var announcer in announcers)
        {
            foreach (var text in await announcer.AnnounceAsync(e, ct))
            {
                foreach (var chunk in MessageSplitter.Split(text, limit)) Say(chunk);
            }
        }

        var key = AnnounceEntries.KeyOf(e);
        if (!await outbox.AnnounceAsync(messages, key, time.GetUtcNow(), ct)) Log.AlreadyAnnounced(logger, key!);
    }

    private static string ProgressKey(int rolloutId) => $"rollout:{rolloutId}";

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Announcing {Event} failed")]
        public static partial void AnnounceFailed(ILogger logger, Exception exception, string @event);

        [LoggerMessage(3, LogLevel.Warning, "Announcements not drained at shutdown: {Reason}")]
        public static partial void DrainFailed(ILogger logger, string reason);

        [LoggerMessage(2, LogLevel.Information, "{Key} was announced already; not again")]
        public static partial void AlreadyAnnounced(ILogger logger, string key);
    }
}

/// <summary>Announces the events of one feature (merges, holds, lag alarms); plugged in through DI.</summary>
internal interface IEventAnnouncer
{
    Task<IReadOnlyList<string>> AnnounceAsync(DeployerEvent e, CancellationToken cancellationToken);
}
