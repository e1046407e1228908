using System.Threading.Channels;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// The loop that makes manual reconfigs unnecessary; it only ticks. Every <see cref="PolicyOptions.TickSeconds"/>:
/// retire expired holds, resume an interrupted rollout once, ask the door for an automatic rollout, keep the
/// answer for <c>!status</c>, and raise lag alarms. Each of these is its own type with its own store. A merge landing
/// or a rollout ending ticks at once instead of at the next interval: with a short quiet window, a push is deployed
/// as soon as it is seen.
/// </summary>
internal sealed partial class AutoDeployLoop(
    LockService locks,
    InterruptedRollouts interrupted,
    RolloutDoor door,
    PolicyDecisions decisions,
    LagAlarms lagAlarms,
    DeployerEvents events,
    TimeProvider time,
    IOptions<PolicyOptions> options,
    ILogger<AutoDeployLoop> logger) : BackgroundService
{
    public const string SystemUser = RolloutRequest.System;

    private readonly SemaphoreSlim _tickGate = new(1, 1);

    /// <summary>The latest automatic decision, for <c>!status</c>; restored from the store after a restart.</summary>
    public ValueTask<PolicyDecision?> LastDecisionAsync(CancellationToken cancellationToken) => decisions.LastAsync(cancellationToken);

    /// <summary>When the last tick ended, for health checks.</summary>
    public DateTimeOffset? LastTickAt { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(options.Value.TickSeconds);
        var wakes = events.Subscribe();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await TickAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Store.StoreUnwritableException ex)
                {
                    // Said once in chat; nothing can start until the store is writable, and the next tick looks again.
                    Log.TickNotSaved(logger, ex.Problem);
                }
                catch (Exception ex)
                {
                    // One bad tick (a store hiccup, a CI server's garbage) must not end automatic deploys.
                    Log.TickFailed(logger, ex);
                }

                if (!await NextTickAsync(wakes, interval, stoppingToken)) return;
            }
        }
        finally
        {
            events.Unsubscribe(wakes);
        }
    }

    /// <summary>Waits for the interval, or until a merge lands or a rollout ends; false when the bot stops.</summary>
    private async Task<bool> NextTickAsync(ChannelReader<DeployerEvent> wakes, TimeSpan interval, CancellationToken stoppingToken)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delay = Task.Delay(interval, time, waiting.Token);
        try
        {
            while (true)
            {
                var woken = wakes.WaitToReadAsync(waiting.Token).AsTask();
                if (await Task.WhenAny(delay, woken) == delay) break;
                if (!await woken) break;
                var wake = false;
                while (wakes.TryRead(out var e)) wake |= e is MergeDetected { Replayed: false } or RolloutFinished { Replayed: false };
                if (wake) break;
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the delay or the wait ended with the bot.
        }

        await waiting.CancelAsync();
        return !stoppingToken.IsCancellationRequested;
    }

    /// <summary>One evaluation; <paramref name="trigger"/> is <see cref="RolloutTrigger.Unlock"/> when the last hold just went.</summary>
    public async Task<PolicyDecision> TickAsync(CancellationToken cancellationToken, RolloutTrigger trigger = RolloutTrigger.Automatic)
    {
        await _tickGate.WaitAsync(cancellationToken);
        try
        {
            await locks.TickAsync(cancellationToken);
            var answer = await interrupted.TryResumeAsync(cancellationToken)
                ?? await door.RequestAsync(new RolloutRequest { Trigger = trigger }, cancellationToken);
            await decisions.RecordAsync(answer.Decision, cancellationToken);
            await lagAlarms.CheckAsync(answer.Decision, cancellationToken);
            LastTickAt = time.GetUtcNow();
            return answer.Decision;
        }
        finally
        {
            _tickGate.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Policy tick failed")]
        public static partial void TickFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Policy tick not done: the store cannot be written ({Problem})")]
        public static partial void TickNotSaved(ILogger logger, string problem);
    }
}
