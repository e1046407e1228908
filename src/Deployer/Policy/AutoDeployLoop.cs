using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// The loop that makes manual reconfigs unnecessary; it only ticks. Every <see cref="PolicyOptions.TickSeconds"/>:
/// retire expired holds, resume an interrupted rollout once, ask the door for an automatic rollout, keep the
/// answer for <c>!status</c>, and raise lag alarms. Each of these is its own type with its own store.
/// </summary>
internal sealed partial class AutoDeployLoop(
    LockService locks,
    InterruptedRollouts interrupted,
    RolloutDoor door,
    PolicyDecisions decisions,
    LagAlarms lagAlarms,
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
            catch (Exception ex)
            {
                // One bad tick (a store hiccup, a CI server's garbage) must not end automatic deploys.
                Log.TickFailed(logger, ex);
            }

            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
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
    }
}
