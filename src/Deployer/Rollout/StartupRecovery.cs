using ChatOpsReconfig.Deployer.Events;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>At start-up, marks rollouts a crash left <c>running</c> as <c>interrupted</c> and reports them.</summary>
public sealed class StartupRecovery(Fleet.FleetConfig fleet, IRolloutStore store, Repos.IRepoStore repos, DeployerEvents events, TimeProvider time)
{
    public async Task<IReadOnlyList<RolloutInterrupted>> MarkInterruptedAsync(CancellationToken cancellationToken)
    {
        var found = new List<RolloutInterrupted>();
        if (!await store.AnyWithStateAsync(RolloutState.Running, cancellationToken)) return found;
        foreach (var rollout in await store.WithStateAsync(RolloutState.Running, cancellationToken))
        {
            var hosts = await store.GetHostsAsync(rollout.Id, cancellationToken);
            var unfinished = Unfinished(rollout, hosts);
            foreach (var r in hosts.Where(r => r.Outcome is HostOutcome.Running or HostOutcome.Pending))
            {
                // A host cut off mid-run may be half updated: it failed, and is partial if a step changed it.
                // Skipped means "not touched".
                var cut = r.Outcome == HostOutcome.Running
                    ? r with { Outcome = HostOutcome.Failed, Interrupted = true, Failure = HostFailure.Of(HostFailureKind.InterruptedDuringRun), FinishedAt = time.GetUtcNow() }
                    : r with { Outcome = HostOutcome.Skipped, Interrupted = true, Failure = HostFailure.Of(HostFailureKind.InterruptedBeforeStart), FinishedAt = time.GetUtcNow() };
                List<RolloutWrite> writes = [new RolloutWrite.SaveHost(cut)];
                if (r.Outcome == HostOutcome.Running) writes.Add(await InterruptedStateAsync(cut, cancellationToken));
                await store.WriteAsync(writes, cancellationToken);
            }

            var marked = rollout with
            {
                State = RolloutState.Interrupted,
                FinishedAt = time.GetUtcNow(),
                Unfinished = [.. unfinished],
            };
            await store.UpdateAsync(marked, cancellationToken);
            // It carried its merges, as a rollout that ends failed does: the one that resumes it (its set unchanged)
            // marks none, and the next push's rollout must not list them, nor tell their bugs, again.
            foreach (var change in marked.Changes.Where(c => !c.Unchanged)) await repos.MarkDeployedAsync(change.Repo, change.To, marked.Id, cancellationToken);
            var e = new RolloutInterrupted(marked, unfinished);
            events.Publish(e);
            found.Add(e);
        }

        return found;
    }

    /// <summary>The hosts of <paramref name="rollout"/> that did not run to an end of their own, in run order.</summary>
    public static IReadOnlyList<string> Unfinished(RolloutRecord rollout, IReadOnlyList<HostResult> hosts) =>
        rollout.Hosts.Where(h => hosts.FirstOrDefault(r => r.Host == h) is not { Finished: true }).ToList();

    /// <summary>The host's state as the crash left it: its revisions are unknown until read, and it may be partial.</summary>
    private async Task<RolloutWrite> InterruptedStateAsync(HostResult result, CancellationToken cancellationToken)
    {
        var previous = await store.GetHostStateAsync(result.Host, cancellationToken);
        var role = fleet.Hosts.FirstOrDefault(h => h.Name == result.Host) is { } host && fleet.Roles.TryGetValue(host.Role, out var r) ? r : null;
        var partial = role is not null && PartialRun.Of(result, role);
        var stoppedAt = role?.Steps.Select(s => s.Name).FirstOrDefault(name => !result.Steps.Any(s => s.Name == name && s.Ok));
        return new RolloutWrite.SaveHostState((previous ?? new HostState { Id = result.Host }) with
        {
            LastOutcome = HostOutcome.Failed,
            LastFailedStep = stoppedAt,
            LastFailure = result.Failure,
            LastRolloutId = result.RolloutId,
            LastRolloutAt = result.FinishedAt,
            Partial = partial,
        });
    }
}
