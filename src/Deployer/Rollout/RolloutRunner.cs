using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.Logging;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>
/// Runs a rollout: canary host(s) first, then the rest in bounded parallel. Every change of state is saved
/// before it is published. Cancelling stops new hosts and steps from starting; running steps finish or time out.
/// </summary>
public sealed partial class RolloutRunner(
    FleetConfig fleet,
    IHostTransportFactory transports,
    IRolloutStore store,
    DeployerEvents events,
    TimeProvider time,
    ILogger<RolloutRunner> logger,
    EarlyConnections? earlyConnections = null)
{
    private readonly StoreWriter _writer = new(store, time);
    private readonly HostConnector _connector = new(fleet, transports, time, logger);

    /// <summary>Saves and runs a rollout, and waits for its end.</summary>
    public async Task<RolloutRecord> RunAsync(RolloutPlan plan, CancellationToken cancellationToken) =>
        await (await StartAsync(plan, cancellationToken)).Run;

    /// <summary>
    /// Saves a rollout (returned once saved and announced) and runs it in the background. The hosts that start first
    /// (the canaries, or the first wave) begin connecting while the rollout is being saved: in a fresh process
    /// (<c>chatops deploy</c>) that first store write takes about as long as a handshake. Connecting runs nothing on a
    /// host; every command still waits until the rollout and the host's state are saved, and sessions the rollout
    /// does not use (the save failed, or it was cancelled) are closed. Connections already started for the plan's
    /// hosts (<see cref="EarlyConnections"/>) are taken over.
    /// </summary>
    public async Task<StartedRollout> StartAsync(RolloutPlan plan, CancellationToken cancellationToken, Action<HostResult>? onHostFinished = null)
    {
        var early = earlyConnections?.Take(plan.Hosts) ?? new Dictionary<string, Task<ConnectResult>>(StringComparer.Ordinal);
        var unusedCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (!cancellationToken.IsCancellationRequested)
        {
            var canaryCount = Math.Min(fleet.Rollout.CanaryCount, plan.Hosts.Count);
            var first = plan.Hosts.Take(canaryCount > 0 ? Math.Min(canaryCount, fleet.Rollout.Parallelism) : fleet.Rollout.Parallelism);
            foreach (var name in first.Distinct(StringComparer.Ordinal))
            {
                if (!early.ContainsKey(name) && fleet.Hosts.FirstOrDefault(h => h.Name == name) is { } host)
                    early[name] = Task.Run(() => _connector.ConnectAsync(host, unusedCts.Token), CancellationToken.None);
            }
        }

        RolloutRecord rollout;
        try
        {
            rollout = await BeginAsync(plan);
        }
        catch (Exception)
        {
            // Nothing ran: the sessions that did open are closed before the caller hears of the failure.
            await CloseEarlyAsync(early, unusedCts);
            throw;
        }

        var run = Task.Run(async () =>
        {
            try
            {
                return await ContinueAsync(rollout, plan.Revisions, cancellationToken, early, onHostFinished);
            }
            finally
            {
                await CloseEarlyAsync(early, unusedCts);
            }
        }, CancellationToken.None);
        return new StartedRollout(rollout, run);
    }

    /// <summary>
    /// Whatever no host run took (Begin failed, hosts skipped) stops connecting, or is closed. Every host run has
    /// ended by now, so cancelling cannot reach a connection in use.
    /// </summary>
    private static async Task CloseEarlyAsync(Dictionary<string, Task<ConnectResult>> early, CancellationTokenSource unusedCts)
    {
        List<Task<ConnectResult>> unused;
        lock (early) unused = [.. early.Values];
        await unusedCts.CancelAsync();
        await Task.WhenAll(unused.Select(HostConnector.CloseUnusedAsync));
        unusedCts.Dispose();
    }

    /// <summary>Saves the new rollout (state running, every host pending) and announces it; returns it with its id.</summary>
    private async Task<RolloutRecord> BeginAsync(RolloutPlan plan)
    {
        var hosts = plan.Hosts.Select(name => fleet.Hosts.First(h => h.Name == name)).ToList();
        var canaryCount = Math.Min(fleet.Rollout.CanaryCount, hosts.Count);
        var rollout = new RolloutRecord
        {
            StartedAt = time.GetUtcNow(),
            StartedBy = plan.StartedBy,
            Forced = plan.Forced,
            Again = plan.Again,
            Deploying = [.. plan.Deploying],
            Revisions = plan.Revisions.Revisions.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            Hosts = hosts.Select(h => h.Name).ToList(),
            CanaryCount = canaryCount,
            ResumedFrom = plan.ResumedFrom,
            RollbackTo = plan.RollbackTo,
            Trigger = plan.Trigger,
            Changes = [.. plan.Changes],
            Refused = [.. plan.Refused],
        };
        // Its own transaction, not through the writer: nothing of this rollout is queued before it has an id.
        var pending = hosts.Select((h, i) => new HostResult { Host = h.Name, Role = h.Role, Canary = i < canaryCount }).ToList();
        rollout = rollout with { Id = await store.InsertAsync(rollout, pending, CancellationToken.None) };

        Log.RolloutStarted(logger, rollout.Id, hosts.Count, plan.StartedBy);
        events.Publish(new RolloutStarted(rollout));
        return rollout;
    }

    private async Task<RolloutRecord> ContinueAsync(
        RolloutRecord rollout, RevisionSet revisions, CancellationToken cancellationToken, Dictionary<string, Task<ConnectResult>>? early,
        Action<HostResult>? onHostFinished)
    {
        var hosts = rollout.Hosts.Select(name => fleet.Hosts.First(h => h.Name == name)).ToList();
        var canaryCount = rollout.CanaryCount;

        var progress = new Progress(hosts.Count, onHostFinished);
        var results = new Dictionary<string, HostResult>(StringComparer.Ordinal);
        var canaries = hosts.Take(canaryCount).ToList();
        var rest = hosts.Skip(canaryCount).ToList();

        await RunWaveAsync(rollout, canaries, revisions, progress, results, early, cancellationToken);
        var failedCanary = canaries.Select(c => results[c.Name]).FirstOrDefault(r => r.Outcome is HostOutcome.Failed or HostOutcome.Unreachable);
        if (failedCanary is not null)
        {
            foreach (var h in rest) results[h.Name] = await SkipAsync(rollout, h, new HostFailure { Kind = HostFailureKind.CanaryFailed, Canary = failedCanary.Host }, progress);
        }
        else
        {
            await RunWaveAsync(rollout, rest, revisions, progress, results, early, cancellationToken);
        }

        var all = hosts.Select(h => results[h.Name]).ToList();
        var state = failedCanary is not null ? RolloutState.Halted
            : cancellationToken.IsCancellationRequested ? RolloutState.Cancelled
            : all.All(r => r.Outcome == HostOutcome.Ok) ? RolloutState.Succeeded
            : RolloutState.Failed;
        rollout = rollout with { State = state, FinishedAt = time.GetUtcNow(), Tally = RolloutTally.Of(all), FailedCanary = failedCanary?.Host, CanaryFailure = failedCanary?.Failure };
        var finished = rollout;
        await _writer.WriteAsync(new RolloutWrite.UpdateRollout(finished), cancellationToken);
        Log.RolloutFinished(logger, rollout.Id, state, rollout.Tally);
        events.Publish(new RolloutFinished(rollout, all));
        return rollout;
    }

    private async Task RunWaveAsync(
        RolloutRecord rollout, List<HostConfig> wave, RevisionSet revisions, Progress progress,
        Dictionary<string, HostResult> results, Dictionary<string, Task<ConnectResult>>? early, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = fleet.Rollout.Parallelism };
        await Parallel.ForEachAsync(wave, options, async (host, _) =>
        {
            Task<ConnectResult>? connecting = null;
            if (early is not null && !cancellationToken.IsCancellationRequested)
            {
                lock (early)
                {
                    if (early.Remove(host.Name, out var started)) connecting = started;
                }
            }

            var result = cancellationToken.IsCancellationRequested
                ? await SkipAsync(rollout, host, HostFailure.Of(HostFailureKind.RolloutCancelled), progress)
                : await RunHostAsync(rollout, host, revisions, progress, connecting, cancellationToken);
            lock (results) results[host.Name] = result;
        });
    }

    private async Task<HostResult> SkipAsync(RolloutRecord rollout, HostConfig host, HostFailure why, Progress progress)
    {
        var rolloutId = rollout.Id;
        var result = new HostResult
        {
            Id = HostResult.MakeId(rolloutId, host.Name), RolloutId = rolloutId, Host = host.Name, Role = host.Role,
            Canary = rollout.Hosts.IndexOf(host.Name) < rollout.CanaryCount,
            Outcome = HostOutcome.Skipped, Failure = why, FinishedAt = time.GetUtcNow(),
        };
        await _writer.WriteAsync(new RolloutWrite.SaveHost(result));
        progress.Finish(result, (done, failed, skipped) => events.Publish(new HostFinished(rolloutId, result, done, progress.Total, failed, skipped)));
        return result;
    }

    private async Task<HostResult> RunHostAsync(
        RolloutRecord rollout, HostConfig host, RevisionSet revisions, Progress progress, Task<ConnectResult>? connecting,
        CancellationToken cancellationToken)
    {
        var result = new HostResult
        {
            Id = HostResult.MakeId(rollout.Id, host.Name), RolloutId = rollout.Id, Host = host.Name, Role = host.Role,
            Canary = rollout.Hosts.IndexOf(host.Name) < rollout.CanaryCount,
            Outcome = HostOutcome.Running, StartedAt = time.GetUtcNow(),
        };
        var started = result;

        // Connecting runs no command on the host, so it overlaps the saving of the host's "running" state (a store
        // write that waits its turn behind other hosts' writes). The state is still saved before it is published and
        // before the first command runs; if the save fails, a session that did open is closed unused.
        connecting ??= Task.Run(() => _connector.ConnectAsync(host, cancellationToken), CancellationToken.None);
        try
        {
            await _writer.WriteAsync(new RolloutWrite.SaveHost(started), cancellationToken);
        }
        catch (Exception)
        {
            _ = HostConnector.CloseUnusedAsync(connecting);
            throw;
        }

        events.Publish(new HostStarted(rollout.Id, host.Name));

        try
        {
            var connected = await connecting;
            if (connected.Session is not { } session)
            {
                var failure = connected.Failure!; // ConnectResult holds exactly one of the two.
                result = result with
                {
                    Outcome = failure.IsTransient ? HostOutcome.Unreachable : HostOutcome.Failed,
                    FailedStep = "connect",
                    Failure = HostFailure.Connect(failure),
                };
            }
            else
            {
                await using (session)
                {
                    var run = new HostRun(fleet, host, session, revisions, SaveStepAsync, rollout.ResumedFrom);
                    result = await run.RunAsync(result, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug in one host's run must not take the other hosts down; it is reported as that host's failure.
            Log.HostCrashed(logger, ex, host.Name);
            result = result with { Outcome = HostOutcome.Failed, Failure = HostFailure.Of(HostFailureKind.Internal, ex.Message) };
        }
        catch (OperationCanceledException)
        {
            result = result with { Outcome = HostOutcome.Skipped, Failure = HostFailure.Of(HostFailureKind.CancelledWhileConnecting) };
        }

        result = result with { FinishedAt = time.GetUtcNow() };
        var final = result;
        // A run that could not read every revision afterwards keeps the ones stored before (read in the same transaction).
        var afterKnown = final.After.Count > 0 && final.After.Values.All(v => v != "?");
        await _writer.WriteAsync(
        [
            new RolloutWrite.SaveHost(final),
            new RolloutWrite.SaveHostState(
                new HostState
                {
                    Id = host.Name,
                    Revisions = final.After,
                    RevisionsAt = afterKnown ? final.FinishedAt : null,
                    LastOutcome = final.Outcome,
                    LastFailedStep = final.FailedStep,
                    LastFailure = final.Failure,
                    LastRolloutId = rollout.Id,
                    LastRolloutAt = final.FinishedAt,
                    Partial = PartialRun.Of(final, fleet.Roles[host.Role]),
                },
                KeepStoredRevisions: !afterKnown),
        ], cancellationToken);

        Log.HostFinished(logger, rollout.Id, host.Name, result.Outcome, result.Failure);
        progress.Finish(result, (done, failed, skipped) => events.Publish(new HostFinished(rollout.Id, result, done, progress.Total, failed, skipped)));
        return result;

        async Task SaveStepAsync(HostResult partial, StepResult? step)
        {
            await _writer.WriteAsync(new RolloutWrite.SaveHost(partial), cancellationToken);
            if (step is not null) events.Publish(new HostStepFinished(rollout.Id, host.Name, step));
        }
    }

    private sealed class Progress(int total, Action<HostResult>? onHostFinished)
    {
        private readonly Lock _gate = new();
        private int _done;
        private int _failed;
        private int _skipped;

        public int Total => total;

        /// <summary>Counts a finished host and publishes under the same lock, so listeners see Done go 1, 2, … N.</summary>
        public void Finish(HostResult result, Action<int, int, int> publish)
        {
            lock (_gate)
            {
                if (result.Outcome is HostOutcome.Failed or HostOutcome.Unreachable) _failed++;
                if (result.Outcome is HostOutcome.Skipped) _skipped++;
                onHostFinished?.Invoke(result);
                publish(++_done, _failed, _skipped);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Rollout {RolloutId} started on {HostCount} hosts by {StartedBy}")]
        public static partial void RolloutStarted(ILogger logger, int rolloutId, int hostCount, string startedBy);

        [LoggerMessage(2, LogLevel.Information, "Rollout {RolloutId} finished {State}: {Tally}")]
        public static partial void RolloutFinished(ILogger logger, int rolloutId, RolloutState state, RolloutTally? tally);

        [LoggerMessage(3, LogLevel.Information, "Rollout {RolloutId} host {Host}: {Outcome} {Failure}")]
        public static partial void HostFinished(ILogger logger, int rolloutId, string host, HostOutcome outcome, HostFailure? failure);

        [LoggerMessage(5, LogLevel.Error, "Host {Host} run crashed")]
        public static partial void HostCrashed(ILogger logger, Exception exception, string host);
    }
}

/// <summary>A rollout saved and announced, and its run (which completes with the finished record).</summary>
public sealed record StartedRollout(RolloutRecord Rollout, Task<RolloutRecord> Run);
