using ChatOpsReconfig.Deployer.Repos;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>The answer to a start: started (with its record) or refused (the rollout already running).</summary>
public sealed record StartResult(RolloutRecord? Rollout, Policy.RolloutRunningWait? Refusal)
{
    public bool Started => Rollout is not null;
}

/// <summary>The rollout now running, for "already running" answers and the status page.</summary>
public sealed record RunningRollout(RolloutRecord Rollout, int Done, int Failed)
{
    public int Total => Rollout.Hosts.Count;
}

/// <summary>
/// Runs at most one rollout at a time, in the background, for plans the door (<c>Policy/RolloutDoor</c>) made; no
/// other type starts a rollout. It is the one writer of what was deployed: each host's revisions after its steps
/// (through the runner) and, when a rollout ends, which merges it carried.
/// </summary>
public sealed partial class RolloutCoordinator(
    RolloutRunner runner,
    IRepoStore repos,
    IRolloutRetention retention,
    ILogger<RolloutCoordinator> logger)
{
    private readonly Lock _gate = new();
    private RolloutRecord? _current;
    private Task<RolloutRecord>? _task;
    private CancellationTokenSource? _cancel;
    private int _done;
    private int _failed;

    /// <summary>The running rollout with its progress (counted from the runner's events, not read from the store), or null.</summary>
    public RunningRollout? Current
    {
        get
        {
            lock (_gate) return _current is null ? null : new RunningRollout(_current, _done, _failed);
        }
    }

    /// <summary>Starts <paramref name="plan"/> unless a rollout is running. Called by the door only, one call at a time.</summary>
    public async Task<StartResult> StartAsync(RolloutPlan plan)
    {
        lock (_gate)
        {
            if (_current is { } running)
                return new StartResult(null, new Policy.RolloutRunningWait(running.Id, running.StartedBy));
            _done = 0;
            _failed = 0;
        }

        var cancel = new CancellationTokenSource();
        var begun = await runner.StartAsync(plan, cancel.Token, OnHostFinished);
        lock (_gate)
        {
            // Running before FinishAsync can clear it, even when the whole rollout has already ended.
            _current = begun.Rollout;
            _cancel = cancel;
            _task = FinishAsync(begun.Rollout, begun.Run);
        }

        return new StartResult(begun.Rollout, null);
    }

    private void OnHostFinished(HostResult result)
    {
        lock (_gate)
        {
            _done++;
            if (result.Outcome is HostOutcome.Failed or HostOutcome.Unreachable) _failed++;
        }
    }

    private async Task<RolloutRecord> FinishAsync(RolloutRecord rollout, Task<RolloutRecord> run)
    {
        try
        {
            var finished = await run;
            // A rollout that ran to its end carried its merges (a failed one too: its failures are reported and
            // alarmed, not retried in a loop); the hosts' own revisions say who runs what.
            // Not cancellable: a cancelled rollout still deployed what its hosts finished.
            foreach (var change in finished.Changes.Where(c => !c.Unchanged)) await repos.MarkDeployedAsync(change.Repo, change.To, finished.Id, CancellationToken.None);
            await retention.PruneAsync(CancellationToken.None);
            return finished;
        }
        catch (Exception ex)
        {
            Log.RolloutCrashed(logger, ex, rollout.Id);
            throw;
        }
        finally
        {
            lock (_gate) _current = null;
        }
    }

    /// <summary>Stops starting new hosts and steps; running steps finish or time out. Null when nothing runs.</summary>
    public RolloutRecord? Cancel(string by)
    {
        lock (_gate)
        {
            if (_current is null) return null;
            Log.Cancelled(logger, _current.Id, by);
            _cancel?.Cancel();
            return _current;
        }
    }

    /// <summary>Completes when no rollout is running.</summary>
    public async Task WhenIdleAsync()
    {
        Task<RolloutRecord>? task;
        lock (_gate) task = _task;
        if (task is null) return;
        try { await task; }
        catch (Exception) { /* already logged */ }
    }

    /// <summary>The last rollout started here, once it has finished (the CLI waits for it).</summary>
    public async Task<RolloutRecord?> WhenFinishedAsync()
    {
        Task<RolloutRecord>? task;
        lock (_gate) task = _task;
        return task is null ? null : await task;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Rollout {RolloutId} crashed")]
        public static partial void RolloutCrashed(ILogger logger, Exception exception, int rolloutId);

        [LoggerMessage(2, LogLevel.Information, "Rollout {RolloutId} cancelled by {By}")]
        public static partial void Cancelled(ILogger logger, int rolloutId, string by);
    }
}
