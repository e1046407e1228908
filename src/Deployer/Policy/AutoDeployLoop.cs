using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// The loop that makes manual reconfigs unnecessary. Every tick (driven by <see cref="TimeProvider"/> and the
/// store, so a restart resumes where it was): retire expired holds, resume an interrupted rollout once, decide
/// whether to roll out now and why not, start the rollout, and raise lag alarms.
/// </summary>
public sealed partial class AutoDeployLoop(
    FleetConfig fleet,
    IRepoStatus repos,
    IRepoStore repoStore,
    LockService locks,
    FreezeService freezes,
    CiGate ci,
    RolloutCoordinator coordinator,
    IRolloutStore rollouts,
    StoreDatabase db,
    DeployerEvents events,
    TimeProvider time,
    IOptions<PolicyOptions> options,
    ILogger<AutoDeployLoop> logger) : BackgroundService
{
    public const string SystemUser = "chatops";

    private readonly SemaphoreSlim _tickGate = new(1, 1);
    private readonly Dictionary<(string Repo, string Head), CiStatus> _ciFinal = [];

    /// <summary>The latest automatic decision, for <c>!status</c>; restored from the store after a restart.</summary>
    public PolicyDecision? LastDecision { get; private set; } = LoadDecision(db);

    /// <summary>When the last tick finished (also a failed one); null before the first. For <c>/healthz</c>.</summary>
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

            LastTickAt = time.GetUtcNow();

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

    /// <summary>One evaluation; public so tests drive it with a fake clock.</summary>
    public async Task<PolicyDecision> TickAsync(CancellationToken cancellationToken)
    {
        await _tickGate.WaitAsync(cancellationToken);
        try
        {
            await locks.TickAsync(cancellationToken);
            MarkSucceededMergesDeployed();
            if (await TryResumeAsync(cancellationToken) is { } resumed) return resumed;

            var decision = await EvaluateAsync(TriggerKind.Automatic, assumeUndeployed: false, cancellationToken);
            if (decision.Start)
            {
                var result = await coordinator.StartAsync(new RolloutRequest(SystemUser, "automatic: " + decision.Line), cancellationToken);
                if (!result.Started) decision = decision with { Start = false, Line = "not started: " + result.Refusal };
            }

            Record(decision);
            await CheckLagAsync(decision, cancellationToken);
            return decision;
        }
        finally
        {
            _tickGate.Release();
        }
    }

    /// <summary>
    /// The policy's answer for a trigger. <paramref name="assumeUndeployed"/> treats every head as new, so a manual
    /// deploy learns about holds, freezes and CI even when the policy thinks everything is deployed.
    /// </summary>
    public async Task<PolicyDecision> EvaluateAsync(TriggerKind trigger, bool assumeUndeployed, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var holds = (await locks.GetAsync(cancellationToken)).ActiveAt(now);
        var open = await freezes.GetOpenAsync(cancellationToken);
        var attempted = LastAttempt();
        var snapshots = new List<RepoSnapshot>();
        foreach (var state in repos.GetRepos())
        {
            if (!fleet.Repos.TryGetValue(state.Id, out var config)) continue;
            var deployed = assumeUndeployed ? null : DeployedRevision(state, attempted);
            CiStatus? gate = null;
            if (config.CiUrl is not null && state.Head is not null && !RevisionSet.Matches(deployed, state.Head))
                gate = await CheckCiAsync(state.Id, config.CiUrl, state.Head, cancellationToken);
            snapshots.Add(new RepoSnapshot
            {
                Name = state.Id,
                ProductionHead = state.Head,
                DeployedRevision = deployed,
                LastPushAt = state.LastPushAt,
                QuietMinutes = config.QuietMinutes,
                Ci = gate,
            });
        }

        return DeployPolicy.Decide(new PolicySnapshot
        {
            Now = now,
            TimeZone = options.Value.FindTimeZone(),
            QuietMinutes = options.Value.QuietMinutes,
            Repos = snapshots,
            Holds = holds,
            Freezes = open,
            RolloutRunning = coordinator.Current is not null,
            Trigger = trigger,
        });
    }

    /// <summary>
    /// What counts as deployed for a repo: the revision of the latest rollout that ran to an end (a failed one too:
    /// its failures are reported and alarmed, not retried in a loop), else the head before the oldest merge not yet
    /// deployed. Heads the bot found at its first start (baselines) count as deployed.
    /// </summary>
    private string? DeployedRevision(RepoState state, RolloutRecord? attempted)
    {
        if (attempted?.Revisions.TryGetValue(state.Id, out var rev) == true) return rev;
        var waiting = repos.GetUndeployedMerges(state.Id);
        return waiting.Count == 0 ? state.Head : waiting[0].OldHead;
    }

    private RolloutRecord? LastAttempt()
    {
        var autoResume = options.Value.AutoResumeInterrupted;
        return rollouts.Latest(20).FirstOrDefault(r => r.State switch
        {
            RolloutState.Running => false,
            RolloutState.Interrupted => !autoResume || r.ResumedFrom is not null,
            _ => true,
        });
    }

    /// <summary>Merges a successful rollout carried are deployed, also when an older process ran it.</summary>
    private void MarkSucceededMergesDeployed()
    {
        var last = rollouts.Latest(5).FirstOrDefault(r => r.State == RolloutState.Succeeded && r.Hosts.Count > 0);
        if (last is null) return;
        foreach (var (repo, rev) in last.Revisions)
        {
            if (repos.GetUndeployedMerges(repo).Any(m => RevisionSet.Matches(rev, m.NewHead))) repoStore.MarkDeployed(repo, rev, last.Id);
        }
    }

    /// <summary>Rolls out the unfinished hosts of an interrupted rollout, once, with its pinned revisions.</summary>
    private async Task<PolicyDecision?> TryResumeAsync(CancellationToken ct)
    {
        if (!options.Value.AutoResumeInterrupted || coordinator.Current is not null) return null;
        var latest = rollouts.Latest(10);
        var interrupted = latest.FirstOrDefault(r => r.State == RolloutState.Interrupted && r.ResumedFrom is null);
        if (interrupted is null || latest.Any(r => r.ResumedFrom == interrupted.Id) || latest[0].Id != interrupted.Id) return null;

        var gate = await EvaluateAsync(TriggerKind.DeployNow, assumeUndeployed: true, ct);
        if (gate.Blocker is PolicyBlocker.Hold or PolicyBlocker.Freeze)
        {
            var waiting = gate with { Line = $"resume of interrupted rollout #{interrupted.Id} {gate.Line}" };
            Record(waiting);
            return waiting;
        }

        var results = rollouts.GetHosts(interrupted.Id);
        var unfinished = interrupted.Hosts
            .Where(h => results.FirstOrDefault(r => r.Host == h) is not { Finished: true })
            .ToList();
        var request = new RolloutRequest(SystemUser, $"resume interrupted rollout #{interrupted.Id}", Hosts: unfinished,
            Pinned: new RevisionSet(interrupted.Revisions), ResumedFrom: interrupted.Id);
        var result = unfinished.Count == 0 ? null : await coordinator.StartAsync(request, ct);
        if (result?.Started != true)
        {
            // Nothing left to do (or nothing lags any more): mark it resumed so it is not tried again.
            rollouts.Insert(new RolloutRecord
            {
                State = RolloutState.Succeeded, StartedAt = time.GetUtcNow(), FinishedAt = time.GetUtcNow(), StartedBy = SystemUser,
                Reason = $"resume interrupted rollout #{interrupted.Id}", ResumedFrom = interrupted.Id,
                Revisions = interrupted.Revisions, Announced = true, Summary = "nothing left to resume: " + (result?.Refusal ?? "every host had finished"),
            });
            return null;
        }

        var decision = new PolicyDecision { Start = true, Line = $"resuming interrupted rollout #{interrupted.Id} on {unfinished.Count} host(s)" };
        Record(decision);
        return decision;
    }

    private async Task<CiStatus> CheckCiAsync(string repo, string url, string head, CancellationToken ct)
    {
        lock (_ciFinal)
        {
            if (_ciFinal.TryGetValue((repo, head), out var known)) return known;
        }

        var status = await ci.CheckAsync(url, head, ct);
        if (status.State is CiState.Success or CiState.Failure)
        {
            lock (_ciFinal) _ciFinal[(repo, head)] = status;
        }

        return status;
    }

    private void Record(PolicyDecision decision)
    {
        var changed = LastDecision?.Line != decision.Line;
        LastDecision = decision;
        if (!changed) return;
        db.Collection<SavedDecision>("policy_state").Upsert(new SavedDecision { Id = "last", Line = decision.Line, Start = decision.Start, Blocker = decision.Blocker, At = time.GetUtcNow() });
        Log.Decision(logger, decision.Line);
        events.Publish(new PolicyChanged(decision));
    }

    private static PolicyDecision? LoadDecision(StoreDatabase db)
    {
        var saved = db.Collection<SavedDecision>("policy_state").FindById("last");
        return saved is null ? null : new PolicyDecision { Line = saved.Line, Start = saved.Start, Blocker = saved.Blocker };
    }

    /// <summary>
    /// The seed's "Nagios check if a master hasn't reconfiged N minutes after a merge", in chat: once per host, head
    /// and level, with the reason the host lags.
    /// </summary>
    private async Task CheckLagAsync(PolicyDecision decision, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var warning = TimeSpan.FromMinutes(options.Value.LagWarningMinutes);
        var critical = TimeSpan.FromMinutes(options.Value.LagCriticalMinutes);
        var states = rollouts.GetHostStates().ToDictionary(s => s.Id, StringComparer.Ordinal);
        var alarms = db.Collection<RaisedAlarm>("lag_alarms");
        IReadOnlyList<Hold>? holds = null;
        foreach (var repo in repos.GetRepos())
        {
            if (repo.Head is null || repo.LastPushAt is not { } mergedAt) continue;
            var behind = now - mergedAt;
            if (behind < warning) continue;
            var level = behind >= critical ? LagLevel.Critical : LagLevel.Warning;
            foreach (var host in fleet.Hosts.Where(h => h.Enabled && fleet.Roles[h.Role].Repos.ContainsKey(repo.Id)))
            {
                states.TryGetValue(host.Name, out var state);
                if (RevisionSet.Matches(state?.Revisions.GetValueOrDefault(repo.Id), repo.Head)) continue;
                var id = $"{host.Name}/{repo.Id}/{repo.Head}/{level}";
                if (alarms.FindById(id) is not null) continue;
                holds ??= (await locks.GetAsync(ct)).ActiveAt(now);
                var why = Why(state, holds, decision);
                alarms.Insert(new RaisedAlarm { Id = id, At = now });
                events.Publish(new LagAlarm(host.Name, repo.Id, repo.Head, level, behind, mergedAt, why));
            }
        }
    }

    private string Why(HostState? state, IReadOnlyList<Hold> holds, PolicyDecision decision)
    {
        if (state?.LastOutcome == HostOutcome.Failed)
            return $"last rollout #{state.LastRolloutId} failed{(state.LastFailedStep is null ? "" : $" at {state.LastFailedStep}")}: {state.LastError}";
        if (state?.LastOutcome == HostOutcome.Unreachable) return $"unreachable: {state.LastError}";
        if (holds.Count > 0)
        {
            var zone = options.Value.FindTimeZone();
            return "held by the lock: " + string.Join("; ", holds.Select(h => $"{h.HolderName} since {HumanTime.Clock(h.Since, time.GetUtcNow(), zone)}{(h.Reason.Length > 0 ? $" ({h.Reason})" : "")}"));
        }

        return decision.Line;
    }

    private sealed record SavedDecision
    {
        public string Id { get; init; } = "";

        public string Line { get; init; } = "";

        public bool Start { get; init; }

        public PolicyBlocker Blocker { get; init; }

        public DateTimeOffset At { get; init; }
    }

    private sealed record RaisedAlarm
    {
        public string Id { get; init; } = "";

        public DateTimeOffset At { get; init; }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Policy tick failed")]
        public static partial void TickFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Information, "Policy: {Line}")]
        public static partial void Decision(ILogger logger, string line);
    }
}
