using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>Connects to a host for a rollout, retrying transient failures (<c>rollout.connectAttempts</c>).</summary>
internal sealed partial class HostConnector(FleetConfig fleet, IHostTransportFactory transports, TimeProvider time, ILogger logger)
{
    public async Task<ConnectResult> ConnectAsync(HostConfig host, CancellationToken cancellationToken)
    {
        var transport = transports.For(host);
        if (fleet.Rollout.ConnectAttempts <= 1) return await transport.ConnectAsync(host, cancellationToken);
        var pipeline = new ResiliencePipelineBuilder<ConnectResult> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<ConnectResult>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result?.Failure?.IsTransient == true),
                MaxRetryAttempts = fleet.Rollout.ConnectAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromSeconds(fleet.Rollout.ConnectBackoffSeconds),
                UseJitter = true,
                OnRetry = args =>
                {
                    Log.ConnectRetry(logger, host.Name, args.AttemptNumber + 1, args.Outcome.Result?.Failure);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        return await pipeline.ExecuteAsync(async ct => await transport.ConnectAsync(host, ct), cancellationToken);
    }

    /// <summary>Closes a session nobody will use; nothing ran on that host, so a failure here changes nothing.</summary>
    public static async Task CloseUnusedAsync(Task<ConnectResult> connecting)
    {
        try
        {
            if ((await connecting).Session is { } session) await session.DisposeAsync();
        }
        catch (Exception)
        {
            // Nothing ran on that host; whatever failed that matters has been reported by whoever gave up on it.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4, LogLevel.Warning, "Connect to {Host} failed, attempt {Attempt}: {Failure}")]
        public static partial void ConnectRetry(ILogger logger, string host, int attempt, ConnectFailure? failure);
    }
}
