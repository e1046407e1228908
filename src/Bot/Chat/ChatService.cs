using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Chat;

/// <summary>
/// Reads what people write, hands commands to the router, and posts replies through the outbox.
/// When the input ends (console EOF), the bot stops once it has nothing left to do.
/// </summary>
internal sealed partial class ChatService(
    IChatTransport transport,
    CommandRouter router,
    ChatOutbox outbox,
    AnnouncementService announcements,
    RolloutCoordinator coordinator,
    IEnumerable<IIdleCheck> idleChecks,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ChatService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var message in transport.ReadAsync(stoppingToken))
            {
                var reply = await router.HandleAsync(message, stoppingToken);
                if (reply is null) continue;
                // Empty: the command's answer is an announcement of its own (a rollout's start message). A slash
                // command still needs its deferred answer filled, or Discord shows "thinking…" for 15 minutes.
                var text = reply.Text.Length > 0 ? reply.Text : message.ReplyTo is null ? null : "started: the rollout's messages follow in the channel";
                if (text is null) continue;
                foreach (var chunk in MessageSplitter.Split(text, transport.MaxMessageLength))
                    await ReplyAsync(message.ReplyTo ?? message.Channel, chunk, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        Log.InputEnded(logger);
        await WaitUntilIdleAsync(stoppingToken);
        lifetime.StopApplication();
    }

    /// <summary>
    /// Through the outbox; while the store cannot be written (the outbox is in it) the reply is posted directly, once:
    /// the person asking still gets an answer, which is not kept for a retry.
    /// </summary>
    private async Task ReplyAsync(string channel, string text, CancellationToken ct)
    {
        try
        {
            await outbox.EnqueueAsync(channel, text, cancellationToken: ct);
        }
        catch (StoreUnwritableException)
        {
            try
            {
                await transport.PostAsync(channel, text, ct);
            }
            catch (ChatDeliveryException ex)
            {
                Log.ReplyLost(logger, ex.Message);
            }
        }
    }

    private async Task WaitUntilIdleAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await coordinator.WhenIdleAsync();
            var busy = coordinator.Current is not null || announcements.Pending > 0 || await outbox.PendingCountAsync(ct) > 0;
            foreach (var check in idleChecks) busy = busy || !await check.IsIdleAsync(ct);
            if (!busy) return;
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Chat input ended; stopping once idle")]
        public static partial void InputEnded(ILogger logger);

        [LoggerMessage(2, LogLevel.Warning, "A reply could not be queued (the store cannot be written) nor posted: {Reason}")]
        public static partial void ReplyLost(ILogger logger, string reason);
    }
}

/// <summary>Lets a feature with scheduled work keep the bot alive after the console input ends.</summary>
internal interface IIdleCheck
{
    Task<bool> IsIdleAsync(CancellationToken cancellationToken);
}
