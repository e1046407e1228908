using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// Says once, loudly, when the store stops accepting writes, and once when it accepts them again; meanwhile it tries
/// the store every <see cref="ProbeInterval"/>, so the bot carries on by itself. The first message cannot go through
/// the outbox (it lives in the store): it is posted directly.
/// </summary>
internal sealed partial class StoreHealthAnnouncer(
    StoreHealth health,
    IChatTransport transport,
    ChatOutbox outbox,
    ChatClock clock,
    TimeProvider time,
    ILogger<StoreHealthAnnouncer> logger) : BackgroundService
{
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(5);

    /// <summary>What refused and why, as the system said it: <c>chatops.db: operation not permitted</c>.</summary>
    public static string Problem(string file, string reason) => $"{SafeText.Clean(file, 120)}: {SafeText.Clean(reason, 200)}";

    /// <summary>A command's refusal while the store cannot be written: <c>the store data/chatops.db cannot be written (chatops.db: …)</c>.</summary>
    public static string CannotBeWritten(StoreUnwritableException ex) => $"the store {ex.StorePath} cannot be written ({Problem(ex.File, ex.Reason)})";

    public static string Unwritable(StoreOutage outage, string at) =>
        $"STORE READ-ONLY: {outage.StorePath} cannot be written since {at} ({Problem(outage.File, outage.Reason)}). Until it can, commands that "
        + "change something (!lock, !deploy, …) are refused and change nothing, and no rollout starts; !status still answers. "
        + "Nothing is lost: make the file and its directory writable again and the bot carries on by itself.";

    public static string WritableAgain(StoreWritableAgain change, string since) =>
        $"the store {change.Outage.StorePath} can be written again (it could not for {HumanTime.Duration(change.At - change.Outage.Since)}, since {since}); carrying on.";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                while (health.Changes.TryRead(out var change)) await AnnounceAsync(change, stoppingToken);
                if (health.Outage is null)
                {
                    await health.Changes.WaitToReadAsync(stoppingToken);
                    continue;
                }

                await Task.Delay(ProbeInterval, time, stoppingToken);
                health.Probe();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutdown.
        }
    }

    private async Task AnnounceAsync(StoreHealthChange change, CancellationToken ct)
    {
        var channel = transport.DefaultChannel;
        try
        {
            switch (change)
            {
                case StoreBecameUnwritable:
                    Log.Unwritable(logger, change.Outage.StorePath, change.Outage.File, change.Outage.Reason);
                    await transport.PostAsync(channel, Unwritable(change.Outage, clock.At(change.Outage.Since)), ct);
                    break;
                case StoreWritableAgain again:
                    Log.WritableAgain(logger, change.Outage.StorePath);
                    await outbox.EnqueueAsync(channel, WritableAgain(again, clock.At(change.Outage.Since)), cancellationToken: ct);
                    break;
            }
        }
        catch (Exception ex) when (ex is ChatDeliveryException or StoreUnusableException)
        {
            Log.NotSaid(logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Critical, "The store {Path} cannot be written ({File}: {Reason}): commands that change something are refused until it can")]
        public static partial void Unwritable(ILogger logger, string path, string file, string reason);

        [LoggerMessage(2, LogLevel.Warning, "The store {Path} can be written again")]
        public static partial void WritableAgain(ILogger logger, string path);

        [LoggerMessage(3, LogLevel.Warning, "Could not say in chat how the store is: {Reason}")]
        public static partial void NotSaid(ILogger logger, string reason);
    }
}
