using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// Delivers the chat outbox in order. A message the transport refuses stays first in line and is retried with
/// backoff (or after the transport's Retry-After); nothing behind it overtakes it. While the store cannot be written
/// nothing is delivered (a delivery that cannot be recorded would be delivered again), nor by a leader whose lease ran
/// out (the post itself is not a store write the lease fences).
/// </summary>
internal sealed partial class OutboxSender(
    ChatOutbox outbox,
    IChatTransport transport,
    TimeProvider time,
    ILogger<OutboxSender> logger,
    StoreHealth? health = null,
    Hosting.LeaderState? leadership = null) : BackgroundService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);
    private TimeSpan _backoff = FirstBackoff;

    /// <summary>Entries delivered whose delivery the store refused to record: recorded, not posted again, once it can.</summary>
    private readonly Dictionary<int, string> _unrecorded = [];

    /// <summary>How long to wait after the last refusal: the transport's Retry-After, else the backoff.</summary>
    private TimeSpan NextWait { get; set; } = FirstBackoff;

    /// <summary>Sends what is pending now; returns false if the transport refused a message.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        if (health?.Outage is not null)
        {
            NextWait = FirstBackoff;
            return false;
        }

        // In order, due or not: the first refused message holds back everything behind it, and the loop does the waiting.
        foreach (var entry in await outbox.PendingAsync(cancellationToken))
        {
            var message = ChatOutbox.Read(entry);
            if (leadership is { MayAct: false })
            {
                // Its lease ran out (paused past it): the next leader delivers what is pending; this bot stops at its next lease check.
                NextWait = FirstBackoff;
                return false;
            }

            try
            {
                if (!_unrecorded.Remove(entry.Id, out var receipt)) receipt = (await transport.PostAsync(message.Channel, message.Text, cancellationToken)).Id;
                try
                {
                    await outbox.MarkSentAsync(entry, time.GetUtcNow(), receipt, cancellationToken);
                }
                catch (StoreUnwritableException)
                {
                    _unrecorded[entry.Id] = receipt;
                    NextWait = FirstBackoff;
                    return false;
                }

                _backoff = FirstBackoff;
            }
            catch (ChatDeliveryException ex)
            {
                BackOff(ex.RetryAfter);
                await outbox.MarkAttemptFailedAsync(entry, ex.Message, time.GetUtcNow() + NextWait, cancellationToken);
                Log.DeliveryFailed(logger, entry.Id, entry.Attempts + 1, ex.Message);
                return false;
            }
        }

        return true;
    }

    private void BackOff(TimeSpan? retryAfter)
    {
        NextWait = retryAfter ?? _backoff;
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
    }

    /// <summary>Replaces a progress message: edits it if delivered, else updates the pending text.</summary>
    public async Task EditProgressAsync(string key, string text, CancellationToken cancellationToken)
    {
        var entry = await outbox.FindProgressAsync(key, cancellationToken);
        if (entry is null) return;
        if (entry.State == OutboxState.Pending && await outbox.ReplacePendingTextAsync(entry, text, cancellationToken)) return;

        // Delivered (perhaps just now): read it again for the transport's id of the message.
        entry = await outbox.FindProgressAsync(key, cancellationToken);
        if (entry is not { State: OutboxState.Sent } || leadership is { MayAct: false }) return;
        try
        {
            await transport.EditAsync(new PostedMessage(ChatOutbox.Read(entry).Channel, entry.Receipt ?? ""), text, cancellationToken);
        }
        catch (ChatDeliveryException ex)
        {
            // Progress is superseded by the next edit and by the final results; it is not worth a retry.
            Log.EditFailed(logger, key, ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            bool delivered;
            try
            {
                delivered = await FlushAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.LoopFailed(logger, ex);
                BackOff(null);
                delivered = false;
            }

            try
            {
                if (delivered) await outbox.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken);
                else await Task.Delay(NextWait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // Last chance for what was queued during shutdown (the final results of a cancelled rollout).
        try { await FlushAsync(cancellationToken); }
        catch (OperationCanceledException) { /* shutdown timeout: the rest stays in the store for next start */ }
        catch (Exception ex)
        {
            // The store refused (a leader that lost its lease, a store gone read-only): what is left stays in the
            // store for whichever bot leads next; stopping must still end with the bot's own exit code.
            Log.FinalFlushFailed(logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Chat message {EntryId} not delivered (attempt {Attempt}): {Reason}; will retry")]
        public static partial void DeliveryFailed(ILogger logger, int entryId, int attempt, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Chat messages not flushed at shutdown: {Reason}; they stay in the outbox")]
        public static partial void FinalFlushFailed(ILogger logger, string reason);

        [LoggerMessage(2, LogLevel.Debug, "Progress edit {Key} failed: {Reason}")]
        public static partial void EditFailed(ILogger logger, string key, string reason);

        [LoggerMessage(3, LogLevel.Error, "Outbox loop failed")]
        public static partial void LoopFailed(ILogger logger, Exception exception);
    }
}
