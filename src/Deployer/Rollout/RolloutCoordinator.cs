using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Status;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>Who asks for a rollout and how; <c>Pinned</c> replaces the current heads (resuming an interrupted rollout).</summary>
public sealed record RolloutRequest(
    string StartedBy,
    string Reason,
    bool Forced = false,
    IReadOnlyList<string>? Hosts = null,
    RevisionSet? Pinned = null,
    int? ResumedFrom = null);

/// <summary>The answer to a rollout request: started (with its record) or refused (with a reason people can act on).</summary>
public sealed record StartResult(RolloutRecord? Rollout, string? Refusal)
{
    public bool Started => Rollout is not null;
}

/// <summary>The rollout now running, for "already running" answers and the status page.</summary>
public sealed record RunningRollout(RolloutRecord Rollout, int Done, int Failed)
{
    public int Total => Rollout.Hosts.Count;
}

/// <summary>
/// Runs at most one rollout at a time, in the background, on behalf of chat commands, the CLI and the policy loop.
/// </summary>
public sealed partial class RolloutCoordinator(
    FleetConfig fleet,
    RolloutRunner runner,
    IProductionHeadsSource heads,
    IRolloutStore store,
    TimeProvider time,
    ILogger<RolloutCoordinator> logger,
    IRepoStore? repos = null)
{
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private RolloutRecord? _current;
    private Task<RolloutRecord>? _task;
    private CancellationTokenSource? _cancel;
    private string? _cancelledBy;

    /// <summary>The running rollout with its progress from the store, or null.</summary>
    public RunningRollout? Current
    {
        get
        {
            var current = _current;
            if (current is null) return null;
            var results = store.GetHosts(current.Id);
            var done = results.Count(r => r.Outcome is not (HostOutcome.Pending or HostOutcome.Running));
            var failed = results.Count(r => r.Outcome is HostOutcome.Failed or HostOutcome.Unreachable);
            return new RunningRollout(current, done, failed);
        }
    }

    public string? CancelledBy => _cancelledBy;

    /// <summary>Starts a rollout to the current production heads unless one is running or there is nothing to do.</summary>
    public async Task<StartResult> StartAsync(RolloutRequest request, CancellationToken cancellationToken)
    {
        if (!await _startGate.WaitAsync(TimeSpan.Zero, cancellationToken))
            return new StartResult(null, "another rollout is being started right now; try again in a moment");
        try
        {
            if (Current is { } running)
            {
                var ago = time.GetUtcNow() - running.Rollout.StartedAt;
                return new StartResult(null,
                    $"rollout #{running.Rollout.Id} started by {running.Rollout.StartedBy} {Ago(ago)} is running: {running.Done}/{running.Total} done, {running.Failed} failed");
            }

            var resolved = request.Pinned is { } pinned ? new HeadsResult(pinned, []) : await heads.CurrentAsync(cancellationToken);
            if (resolved.Problems.Count > 0)
                return new StartResult(null, "cannot read production heads: " + string.Join("; ", resolved.Problems));

            var hosts = request.Hosts is null
                ? fleet.Hosts.Where(h => h.Enabled).ToList()
                : fleet.Hosts.Where(h => h.Enabled && request.Hosts.Contains(h.Name, StringComparer.OrdinalIgnoreCase)).ToList();
            if (hosts.Count == 0) return new StartResult(null, "no enabled hosts to roll out to");

            if (!request.Forced)
            {
                var states = store.GetHostStates().ToDictionary(s => s.Id, StringComparer.Ordinal);
                var lagging = FleetStatus.Build(fleet, resolved.Heads.Revisions, states)
                    .Where(r => hosts.Any(h => h.Name == r.Host) && r.State != HostLagState.InSync)
                    .ToList();
                if (lagging.Count == 0)
                    return new StartResult(null, "nothing to deploy: every host already runs the production heads");
            }

            var plan = new RolloutPlan(resolved.Heads, hosts.Select(h => h.Name).ToList(), request.StartedBy, request.Reason, request.Forced, request.ResumedFrom);
            var rollout = runner.Begin(plan);
            _current = rollout;
            _cancelledBy = null;
            _cancel = new CancellationTokenSource();
            var token = _cancel.Token;
            _task = Task.Run(async () =>
            {
                try
                {
                    var finished = await runner.ContinueAsync(rollout, resolved.Heads, token);
                    if (finished.State == RolloutState.Succeeded && repos is not null)
                    {
                        foreach (var (repo, rev) in finished.Revisions) repos.MarkDeployed(repo, rev, finished.Id);
                    }

                    return finished;
                }
                catch (Exception ex)
                {
                    Log.RolloutCrashed(logger, ex, rollout.Id);
                    throw;
                }
                finally
                {
                    _current = null;
                }
            }, CancellationToken.None);
            return new StartResult(rollout, null);
        }
        finally
        {
            _startGate.Release();
        }
    }

    /// <summary>Stops starting new hosts and steps; running steps finish or time out. Null when nothing runs.</summary>
    public RolloutRecord? Cancel(string by)
    {
        var current = _current;
        if (current is null) return null;
        _cancelledBy = by;
        _cancel?.Cancel();
        return current;
    }

    /// <summary>Completes when no rollout is running.</summary>
    public async Task WhenIdleAsync()
    {
        var task = _task;
        if (task is null) return;
        try { await task; }
        catch (Exception) { /* already logged */ }
    }

    private static string Ago(TimeSpan t) => t.TotalMinutes < 1 ? $"{t.TotalSeconds:0}s ago" : t.TotalHours < 1 ? $"{t.TotalMinutes:0} min ago" : $"{t.TotalHours:0.#} h ago";

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Rollout {RolloutId} crashed")]
        public static partial void RolloutCrashed(ILogger logger, Exception exception, int rolloutId);
    }
}
