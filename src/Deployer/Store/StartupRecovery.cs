using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>At start-up, marks rollouts a crash left <c>running</c> as <c>interrupted</c> and reports them.</summary>
public sealed class StartupRecovery(IRolloutStore store, DeployerEvents events, TimeProvider time)
{
    public IReadOnlyList<RolloutInterrupted> MarkInterrupted()
    {
        var found = new List<RolloutInterrupted>();
        if (!store.AnyWithState(RolloutState.Running)) return found;
        foreach (var rollout in store.WithState(RolloutState.Running))
        {
            var hosts = store.GetHosts(rollout.Id);
            var unfinished = rollout.Hosts
                .Where(h => hosts.FirstOrDefault(r => r.Host == h) is not { Finished: true })
                .ToList();
            foreach (var r in hosts.Where(r => r.Outcome is HostOutcome.Running or HostOutcome.Pending))
            {
                // A host cut off mid-run may be half updated: it failed. Skipped means "not touched".
                store.SaveHost(r.Outcome == HostOutcome.Running
                    ? r with { Outcome = HostOutcome.Failed, Interrupted = true, Error = "interrupted: the bot stopped during this host's run", FinishedAt = time.GetUtcNow() }
                    : r with { Outcome = HostOutcome.Skipped, Interrupted = true, Error = "interrupted: the bot stopped before this host started", FinishedAt = time.GetUtcNow() });
            }

            var marked = rollout with
            {
                State = RolloutState.Interrupted,
                FinishedAt = time.GetUtcNow(),
                Summary = $"interrupted; unfinished: {(unfinished.Count == 0 ? "none" : string.Join(", ", unfinished))}",
            };
            store.Update(marked);
            var e = new RolloutInterrupted(marked, unfinished);
            events.Publish(e);
            found.Add(e);
        }

        return found;
    }
}
