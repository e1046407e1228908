using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// The seed's "Nagios check if a master hasn't reconfiged N minutes after a merge", in chat: once per host, head
/// and level (also across restarts), with the reason the host lags.
/// </summary>
internal sealed class LagAlarms(
    FleetConfig fleet,
    IRepoStatus repos,
    IRolloutStore rollouts,
    LockService locks,
    IPolicyStateStore store,
    DeployerEvents events,
    TimeProvider time,
    IOptions<PolicyOptions> options)
{
    public async Task CheckAsync(PolicyDecision decision, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var warning = TimeSpan.FromMinutes(options.Value.LagWarningMinutes);
        var critical = TimeSpan.FromMinutes(options.Value.LagCriticalMinutes);
        var states = (await rollouts.GetHostStatesAsync(cancellationToken)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        IReadOnlyList<Hold>? holds = null;
        foreach (var repo in await repos.GetReposAsync(cancellationToken))
        {
            if (repo.Head is null || repo.LastPushAt is not { } mergedAt) continue;
            var behind = now - mergedAt;
            if (behind < warning) continue;
            var level = behind >= critical ? LagLevel.Critical : LagLevel.Warning;
            foreach (var host in fleet.Hosts.Where(h => h.Enabled && fleet.Roles[h.Role].Repos.ContainsKey(repo.Id)))
            {
                states.TryGetValue(host.Name, out var state);
                if (state is not { Partial: true } && RevisionSet.Matches(state?.Revisions.GetValueOrDefault(repo.Id), repo.Head)) continue;
                var id = $"{host.Name}/{repo.Id}/{repo.Head}/{level}";
                if (!await store.TryRaiseAlarmAsync(id, now, cancellationToken)) continue;
                holds ??= (await locks.GetAsync(cancellationToken)).ActiveAt(now);
                events.Publish(new LagAlarm(host.Name, repo.Id, repo.Head, level, behind, mergedAt, Why(state, holds, decision)));
            }
        }
    }

    private LagCause Why(HostState? state, IReadOnlyList<Hold> holds, PolicyDecision decision)
    {
        if (state?.Partial == true) return new StoppedPartway(state.LastRolloutId, state.LastFailedStep);
        if (state?.LastOutcome == HostOutcome.Failed) return new LastRolloutFailed(state.LastRolloutId, state.LastFailedStep, state.LastFailure, state.LegacyLastError);
        if (state?.LastOutcome == HostOutcome.Unreachable) return new HostUnreachable(state.LastFailure, state.LegacyLastError);
        return holds.Count > 0 ? new HeldByLock(holds, time.GetUtcNow()) : new PolicyWaits(decision);
    }
}
