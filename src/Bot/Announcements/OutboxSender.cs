using ChatOpsReconfig.Bot.Chat;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// Delivers the chat outbox in order. A message the transport refuses stays first in line and is retried with
/// backoff (or after the transport's Retry-After); nothing behind it overtakes it.
/// </summary>
internal sealed partial class OutboxSender(
    ChatOutbox outbox,
    IChatTransport transport,
    TimeProvider time,
    ILogger<OutboxSender> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);
    private readonly Lock _editGate = new();

    /// <summary>Sends what is pending now; returns false if the transport refused a message.</summary>
    public async Task<bool> FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in outbox.Pending())
        {
            try
            {
                var posted = await transport.PostAsync(entry.Channel, entry.Text, cancellationToken);
                outbox.Update(entry with { State = OutboxState.Sent, SentAt = time.GetUtcNow(), Attempts = entry.Attempts + 1, TransportId = posted.Id, LastError = null });
            }
            catch (ChatDeliveryException ex)
            {
                outbox.Update(entry with { Attempts = entry.Attempts + 1, LastError = ex.Message });
                Log.DeliveryFailed(logger, entry.Id, entry.Attempts + 1, ex.Message);
                LastRetryAfter = ex.RetryAfter;
                return false;
            }
        }

        return true;
    }

    private TimeSpan? LastRetryAfter { get; set; }

    /// <summary>Replaces a progress message: edits it if delivered, else updates the pending text.</summary>
    public async Task EditProgressAsync(string key, string text, CancellationToken cancellationToken)
    {
        OutboxEntry? entry;
        lock (_editGate)
        {
            entry = outbox.FindProgress(key);
            if (entry is null) return;
            if (entry.State == OutboxState.Pending)
            {
                outbox.Update(entry with { Text = text });
                return;
            }
        }

        try
        {
            await transport.EditAsync(new PostedMessage(entry.Channel, entry.TransportId ?? ""), text, cancellationToken);
        }
        catch (ChatDeliveryException ex)
        {
            // Progress is superseded by the next edit and by the final results; it is not worth a retry.
            Log.EditFailed(logger, key, ex.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
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
                delivered = false;
            }

            try
            {
                if (delivered)
                {
                    backoff = TimeSpan.FromSeconds(1);
                    await outbox.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken);
                }
                else
                {
                    var wait = LastRetryAfter ?? backoff;
                    LastRetryAfter = null;
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                    await Task.Delay(wait, time, stoppingToken);
                }
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
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Chat message {EntryId} not delivered (attempt {Attempt}): {Reason}; will retry")]
        public static partial void DeliveryFailed(ILogger logger, int entryId, int attempt, string reason);

        [LoggerMessage(2, LogLevel.Debug, "Progress edit {Key} failed: {Reason}")]
        public static partial void EditFailed(ILogger logger, string key, string reason);

        [LoggerMessage(3, LogLevel.Error, "Outbox loop failed")]
        public static partial void LoopFailed(ILogger logger, Exception exception);
    }
}
