using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using ChatOpsReconfig.Deployer.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// The one way into a rollout. Every trigger (the policy timer, <c>!deploy now [--force]</c>, an unlock, a resume
/// after a crash, <c>chatops deploy</c>, a rollback) comes here as a <see cref="RolloutRequest"/>: the door works
/// out the target set and the hosts, refuses hosts that would move backward, asks <see cref="DeployPolicy"/>, and
/// only then hands a plan to the <see cref="RolloutCoordinator"/>. <see cref="PlanAsync"/> answers the same way
/// without acting. One request at a time.
/// </summary>
internal sealed partial class RolloutDoor(
    FleetConfig fleet,
    IRepoStatus repos,
    IRolloutStore rollouts,
    LockService locks,
    FreezeService freezes,
    CiChecks ci,
    RolloutCoordinator coordinator,
    IDoorLog log,
    TimeProvider time,
    IOptions<PolicyOptions> options,
    ILogger<RolloutDoor> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>What <paramref name="request"/> would do now, without doing it (<c>!deploy plan</c>, <c>deploy --plan</c>).</summary>
    public async Task<DoorAnswer> PlanAsync(RolloutRequest request, CancellationToken cancellationToken)
    {
        await WaitForFirstPollsAsync(request, cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await AnswerAsync(request, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Decides <paramref name="request"/> and, when the answer is to start, starts the rollout.</summary>
    public async Task<DoorAnswer> RequestAsync(RolloutRequest request, CancellationToken cancellationToken)
    {
        await WaitForFirstPollsAsync(request, cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var answer = await AnswerAsync(request, cancellationToken);
            // The heads were read first and the holds last: a push recorded in between (before the last hold went)
            // would be left out of a set that starts now. Ask again with the heads as they are; a few pushes in a row
            // end in the quiet window (automatic) or in the newest set (a person's request).
            for (var again = 0; again < StaleTargetRetries && answer.Decision.Start && await HeadsMovedAsync(request, answer.Plan, cancellationToken); again++)
            {
                Log.HeadsMoved(logger, request.Trigger);
                answer = await AnswerAsync(request, cancellationToken);
            }

            if (answer.Decision.Start && answer.Plan is { } plan)
            {
                // A rollback holds automatic rollouts before it starts, so no tick can roll forward behind it, not
                // even after a crash in between.
                var actor = new Actor(request.RequestedById ?? request.RequestedBy, request.RequestedBy);
                if (request.Trigger == RolloutTrigger.Rollback)
                    await locks.PlaceRollbackHoldAsync(actor, plan.RollbackTo, cancellationToken);
                var started = await coordinator.StartAsync(ToRolloutPlan(request, answer.Decision, plan));
                answer = started.Started
                    ? answer with { Rollout = started.Rollout }
                    : answer with { Decision = Refuse(PolicyBlocker.RolloutRunning, started.Refusal!) };
                if (!answer.Started && request.Trigger == RolloutTrigger.Rollback)
                    await locks.ReleaseSystemAsync(actor, Hold.RollbackHolder, "rollback", cancellationToken);
            }

            // Automatic requests are recorded when they act; their waiting lines are kept by PolicyDecisions.
            if (request.Trigger != RolloutTrigger.Automatic || answer.Started) await log.RecordAsync(answer, time.GetUtcNow(), cancellationToken);
            // The timer asks every few seconds; its waiting answers are for debugging only.
            var level = request.Trigger == RolloutTrigger.Automatic && !answer.Started ? LogLevel.Debug : LogLevel.Information;
            Log.Answered(logger, level, request.Trigger, request.RequestedBy, answer.Started, answer.Decision.Blocker, PolicyDecisionJson.ReasonJson(answer.Decision.Reason));
            return answer;
        }
        finally
        {
            _gate.Release();
        }
    }

    private const int StaleTargetRetries = 3;

    /// <summary>True when a repo's production head moved since <paramref name="plan"/>'s set was read (never for a pinned set).</summary>
    private async Task<bool> HeadsMovedAsync(RolloutRequest request, DeployPlan? plan, CancellationToken ct)
    {
        if (plan is null || request.Trigger is RolloutTrigger.Resume or RolloutTrigger.Rollback) return false;
        var now = await repos.GetHeadsAsync(ct);
        return now.Revisions.Any(kv => !plan.Target.Revisions.TryGetValue(kv.Key, out var planned) || !RevisionSet.Matches(planned, kv.Value));
    }

    /// <summary>
    /// Someone who asks in the first seconds after a start waits for the heads (a bounded wait) rather than being
    /// refused; the timer does not wait: it asks again at its next tick.
    /// </summary>
    private async Task WaitForFirstPollsAsync(RolloutRequest request, CancellationToken ct)
    {
        if (request.Trigger is RolloutTrigger.Automatic or RolloutTrigger.Resume || repos.FirstPolls.Complete) return;
        try
        {
            await repos.WhenFirstPolledAsync(ct).WaitAsync(FirstPollsWait, time, ct);
        }
        catch (TimeoutException)
        {
            // Answered below: not ready (n of m repos read).
        }
    }

    /// <summary>How long a person's request waits for the first polls after a start.</summary>
    private static readonly TimeSpan FirstPollsWait = TimeSpan.FromSeconds(60);

    private async Task<DoorAnswer> AnswerAsync(RolloutRequest request, CancellationToken ct)
    {
        if (coordinator.Current is { } running)
        {
            var r = running.Rollout;
            return new DoorAnswer(request, Refuse(PolicyBlocker.RolloutRunning,
                new RolloutRunningWait(r.Id, r.StartedBy, r.StartedAt, running.Done, running.Total, running.Failed)), null);
        }

        var polls = repos.FirstPolls;
        if (!polls.Complete)
            return new DoorAnswer(request, Refuse(PolicyBlocker.NotReady, new NotReadyWait(polls.Done, polls.Total)), null);

        var (target, source, targetError) = await TargetAsync(request, ct);
        if (target is null) return new DoorAnswer(request, Refuse(PolicyBlocker.HeadsUnknown, targetError!), null); // Target returns one or the other

        var (targeted, hostError) = await TargetedHostsAsync(request, source, ct);
        if (hostError is not null) return new DoorAnswer(request, Refuse(PolicyBlocker.NoHosts, hostError), null);

        var states = (await rollouts.GetHostStatesAsync(ct)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        var atSet = new List<string>();
        var needing = new List<HostConfig>();
        foreach (var host in targeted)
        {
            var row = FleetStatus.Row(fleet, host, target.Revisions, states.GetValueOrDefault(host.Name));
            if (row.State == HostLagState.InSync && !request.Again) atSet.Add(host.Name);
            else needing.Add(host);
        }

        var lastSet = await LastSetRolledOutAsync(ct);
        var refused = request.Trigger == RolloutTrigger.Rollback
            ? []
            : await AncestryAsync(target, needing, states, lastSet, ct);
        var runnable = needing.Where(h => refused.All(r => r.Host != h.Name)).ToList();

        var plan = new DeployPlan
        {
            Target = target,
            Changes = await ChangesAsync(target, lastSet, request.Trigger, ct),
            Hosts = runnable.Select(h => h.Name).ToList(),
            CanaryCount = Math.Min(fleet.Rollout.CanaryCount, runnable.Count),
            AlreadyAtSet = atSet,
            Refused = refused,
            RollbackTo = source is not null && request.Trigger == RolloutTrigger.Rollback ? source.Id : null,
            ResumeOf = source is not null && request.Trigger == RolloutTrigger.Resume ? source.Id : null,
        };

        if (runnable.Count == 0 && refused.Count > 0)
        {
            return new DoorAnswer(request, Refuse(PolicyBlocker.Backward, new BackwardWait(refused[0], refused.Count)), plan);
        }

        var decision = DeployPolicy.Decide(await SnapshotAsync(request, target, runnable, states, ct));
        if (decision.Blocker == PolicyBlocker.NothingToDeploy && request.Trigger != RolloutTrigger.Automatic)
        {
            decision = decision with
            {
                Reason = atSet.Count > 0 ? new NothingToDeployWait(NothingKind.AllAtSet, atSet.Count) : new NothingToDeployWait(NothingKind.NoHostNeedsSet),
            };
        }

        return new DoorAnswer(request, decision, plan);
    }

    /// <summary>The set to roll out: the production heads, or the set of the rollout being resumed or rolled back to.</summary>
    private async Task<(RevisionSet? Target, RolloutRecord? Source, TargetUnknown? Error)> TargetAsync(RolloutRequest request, CancellationToken ct)
    {
        switch (request.Trigger)
        {
            case RolloutTrigger.Resume:
            {
                var source = request.ResumeOf is { } id ? (await rollouts.GetAsync(id, ct)) : null;
                return source is null ? (null, null, new TargetUnknown(TargetProblem.NoRolloutToResume, request.ResumeOf)) : (new RevisionSet(source.Revisions), source, null);
            }

            case RolloutTrigger.Rollback:
            {
                var (source, error) = await RollbackSourceAsync(request.RollbackTo, ct);
                return source is null ? (null, null, error) : (new RevisionSet(source.Revisions), source, null);
            }

            default:
            {
                var heads = await repos.GetHeadsAsync(ct);
                var missing = fleet.Repos.Keys.Where(r => !heads.Revisions.ContainsKey(r)).ToList();
                if (missing.Count > 0)
                {
                    var why = new List<UnreadableRepo>();
                    foreach (var r in missing)
                    {
                        var state = await repos.GetRepoAsync(r, ct);
                        why.Add(new UnreadableRepo(r, state?.LastFailure, state?.LegacyLastError));
                    }
                    return (null, null, new TargetUnknown(TargetProblem.HeadsUnreadable, Unreadable: why));
                }

                return (heads, null, null);
            }
        }
    }

    /// <summary>
    /// Rollout #<paramref name="id"/>, or by default the newest succeeded rollout before the last succeeded one whose
    /// set differs from it: the fleet as it was before the last change.
    /// </summary>
    private async Task<(RolloutRecord? Source, TargetUnknown? Error)> RollbackSourceAsync(int? id, CancellationToken ct)
    {
        if (id is { } n)
        {
            var r = await rollouts.GetAsync(n, ct);
            return r is null || r.Revisions.Count == 0 ? (null, new TargetUnknown(TargetProblem.NoSuchRollout, n)) : (r, null);
        }

        var succeeded = (await rollouts.LatestAsync(200, ct)).Where(r => r.State == RolloutState.Succeeded && r.Hosts.Count > 0).ToList();
        if (succeeded.Count == 0) return (null, new TargetUnknown(TargetProblem.NoSucceededRollout));

        var last = succeeded[0];
        var before = succeeded.Skip(1).FirstOrDefault(r => !SameSet(r.Revisions, last.Revisions));
        return before is null ? (null, new TargetUnknown(TargetProblem.NoEarlierSet, last.Id)) : (before, null);
    }

    private static bool SameSet(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && RevisionSet.Matches(v, kv.Value));

    private async Task<(List<HostConfig> Hosts, NoHostsWait? Error)> TargetedHostsAsync(RolloutRequest request, RolloutRecord? source, CancellationToken ct)
    {
        IEnumerable<HostConfig> hosts = fleet.Hosts;
        if (request.Hosts is { } names)
        {
            var unknown = names.Where(n => fleet.Hosts.All(h => !string.Equals(h.Name, n, StringComparison.OrdinalIgnoreCase))).ToList();
            if (unknown.Count > 0) return ([], new NoHostsWait(NoHostsProblem.UnknownHosts, unknown));
            hosts = hosts.Where(h => names.Contains(h.Name, StringComparer.OrdinalIgnoreCase));
        }

        if (request.Trigger == RolloutTrigger.Resume && source is not null)
        {
            var results = await rollouts.GetHostsAsync(source.Id, ct);
            var unfinished = source.Hosts.Where(h => results.FirstOrDefault(r => r.Host == h) is not { Finished: true }).ToHashSet(StringComparer.Ordinal);
            hosts = hosts.Where(h => unfinished.Contains(h.Name));
        }

        var list = hosts.Where(h => h.Enabled).ToList();
        return list.Count == 0 ? ([], new NoHostsWait(request.Trigger == RolloutTrigger.Resume ? NoHostsProblem.NothingToResume : NoHostsProblem.NoneEnabled)) : (list, null);
    }

    /// <summary>Per repo, the revision the newest rollout that carried it rolled out (any outcome: it went out to hosts).</summary>
    private async Task<Dictionary<string, (string Revision, int RolloutId)>> LastSetRolledOutAsync(CancellationToken ct)
    {
        var last = new Dictionary<string, (string, int)>(StringComparer.Ordinal);
        foreach (var r in (await rollouts.LatestAsync(50, ct)).Where(r => r.Hosts.Count > 0))
        {
            foreach (var (repo, rev) in r.Revisions) last.TryAdd(repo, (rev, r.Id));
            if (last.Count == fleet.Repos.Count) break;
        }

        return last;
    }

    /// <summary>
    /// Never backward: for every repo, the set's revision must equal or descend from the last set rolled out and from
    /// each host's revision; a host where it does not is left out, named with both revisions. A repo whose branch was
    /// rewritten (force-push, announced as the new baseline) counts the rewritten line's revisions as behind it.
    /// </summary>
    private async Task<List<HostRefusal>> AncestryAsync(
        RevisionSet target, List<HostConfig> hosts, Dictionary<string, HostState> states,
        Dictionary<string, (string Revision, int RolloutId)> lastSet, CancellationToken ct)
    {
        var refused = new List<HostRefusal>();
        var known = new Dictionary<(string Repo, string From), bool>();
        var behindLastSet = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (repo, rev) in target.Revisions)
        {
            if (lastSet.TryGetValue(repo, out var last) && !await DescendsAsync(repo, last.Revision, rev, known, ct)) behindLastSet[repo] = last.Revision;
        }

        foreach (var host in hosts)
        {
            if (!fleet.Roles.TryGetValue(host.Role, out var role)) continue;
            states.TryGetValue(host.Name, out var state);
            foreach (var repo in role.Repos.Keys)
            {
                if (!target.Revisions.TryGetValue(repo, out var setRev)) continue;
                var onHost = state?.Revisions.GetValueOrDefault(repo)?.TrimEnd('+');
                if (behindLastSet.TryGetValue(repo, out var lastRev))
                {
                    refused.Add(new HostRefusal(host.Name, repo, onHost is null or RevisionReader.Unknown ? lastRev : onHost, setRev, HostRefusalKind.SetOlderThanLastRollout));
                    break;
                }

                // A revision never read cannot be checked; the set still descends from the last one rolled out.
                if (onHost is null or "" or RevisionReader.Unknown || RevisionSet.Matches(onHost, setRev)) continue;
                if (!CommandTemplate.IsValidRevision(onHost) || !await DescendsAsync(repo, onHost, setRev, known, ct))
                {
                    refused.Add(new HostRefusal(host.Name, repo, onHost, setRev, HostRefusalKind.HostWouldMoveBack));
                    break;
                }
            }
        }

        return refused;
    }

    private async Task<bool> DescendsAsync(string repo, string from, string to, Dictionary<(string, string), bool> known, CancellationToken ct)
    {
        if (RevisionSet.Matches(from, to)) return true;
        if (known.TryGetValue((repo, from), out var cached)) return cached;
        var descends = await repos.IsAncestorAsync(repo, from, to, ct);
        if (!descends)
        {
            foreach (var rewrite in (await repos.GetUndeployedMergesAsync(repo, ct)).Where(m => m.Kind == MergeKind.Rewrite && m.OldHead is not null))
            {
                var onOldLine = RevisionSet.Matches(from, rewrite.OldHead) || await repos.IsAncestorAsync(repo, from, rewrite.OldHead!, ct);
                var toNewLine = RevisionSet.Matches(rewrite.NewHead, to) || await repos.IsAncestorAsync(repo, rewrite.NewHead, to, ct);
                if (onOldLine && toNewLine)
                {
                    descends = true;
                    break;
                }
            }
        }

        known[(repo, from)] = descends;
        return descends;
    }

    private async Task<List<RepoChange>> ChangesAsync(
        RevisionSet target, Dictionary<string, (string Revision, int RolloutId)> lastSet, RolloutTrigger trigger, CancellationToken ct)
    {
        var changes = new List<RepoChange>();
        foreach (var (repo, rev) in target.Revisions.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var from = lastSet.TryGetValue(repo, out var last) ? last.Revision : null;
            var change = new RepoChange { Repo = repo, From = from, To = rev };
            if (trigger != RolloutTrigger.Rollback && !change.Unchanged)
            {
                // The merges no rollout has carried yet, up to the one that ends at this revision.
                var merges = new List<Merge>();
                foreach (var m in await repos.GetUndeployedMergesAsync(repo, ct))
                {
                    merges.Add(m);
                    if (RevisionSet.Matches(m.NewHead, rev)) break;
                }

                if (merges.Count > 0 && RevisionSet.Matches(merges[^1].NewHead, rev))
                {
                    change = change with
                    {
                        Commits = merges.SelectMany(m => m.Commits).Select(c => new ChangeCommit { Rev = c.Rev, Author = c.Author, Summary = c.Summary, Bugs = c.Bugs }).ToList(),
                        TotalCommits = merges.Sum(m => Math.Max(m.TotalCommits, m.Commits.Count)),
                    };
                }
            }

            changes.Add(change);
        }

        return changes;
    }

    private async Task<PolicySnapshot> SnapshotAsync(
        RolloutRequest request, RevisionSet target, List<HostConfig> runnable, Dictionary<string, HostState> states, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var automatic = request.Trigger is RolloutTrigger.Automatic or RolloutTrigger.Unlock;
        var pinned = request.Trigger is RolloutTrigger.Resume or RolloutTrigger.Rollback;
        var snapshots = new List<RepoSnapshot>();
        foreach (var state in await repos.GetReposAsync(ct))
        {
            if (!fleet.Repos.TryGetValue(state.Id, out var config) || !target.Revisions.TryGetValue(state.Id, out var rev)) continue;
            // Runnable hosts carrying the repo that do not run its revision (or whose last run did not finish: partial,
            // failed, unknown), or all of them when asked to run the steps again.
            var needing = runnable.Any(h => fleet.Roles.TryGetValue(h.Role, out var role) && role.Repos.ContainsKey(state.Id)
                && (request.Again || !InSyncWith(state.Id, rev, states.GetValueOrDefault(h.Name))));
            // The timer deploys merges it saw land (hosts that lagged before wait for !deploy now); a person asks for hosts.
            var pending = needing && (!automatic || (await repos.GetUndeployedMergesAsync(state.Id, ct)).Count > 0);
            CiStatus? gate = null;
            if (pending && !pinned && config.CiUrl is not null) gate = await ci.CheckAsync(state.Id, config.CiUrl, rev, ct);
            snapshots.Add(new RepoSnapshot
            {
                Name = state.Id,
                ProductionHead = rev,
                Pending = pending,
                LastPushAt = pinned ? null : state.LastPushAt,
                QuietMinutes = config.QuietMinutes,
                Ci = gate,
            });
        }

        return new PolicySnapshot
        {
            Now = now,
            QuietMinutes = options.Value.QuietMinutes,
            Repos = snapshots,
            // A rollback is not held up by the hold an earlier rollback placed (it only keeps the timer from rolling forward).
            Holds = (await locks.GetAsync(ct)).ActiveAt(now).Where(h => !(request.Trigger == RolloutTrigger.Rollback && h.HolderId == Hold.RollbackHolder)).ToList(),
            Freezes = await freezes.GetOpenAsync(ct),
            RolloutRunning = false,
            Trigger = automatic ? TriggerKind.Automatic : request.Force ? TriggerKind.DeployNowForce : TriggerKind.DeployNow,
        };
    }

    private static bool InSyncWith(string repo, string revision, HostState? state) =>
        state is { Partial: false, LastOutcome: not (HostOutcome.Failed or HostOutcome.Unreachable) }
        && RevisionSet.Matches(state.Revisions.GetValueOrDefault(repo), revision);

    private static RolloutPlan ToRolloutPlan(RolloutRequest request, PolicyDecision decision, DeployPlan plan) =>
        new(plan.Target, plan.Hosts, request.RequestedBy, request.Force, plan.ResumeOf)
        {
            Trigger = request.Trigger,
            RollbackTo = plan.RollbackTo,
            Changes = plan.Changes,
            Refused = plan.Refused,
            Again = request.Again,
            Deploying = request.Trigger is RolloutTrigger.Automatic or RolloutTrigger.Unlock ? decision.Deploying.Select(d => d.Repo).ToList() : [],
        };

    private PolicyDecision Refuse(PolicyBlocker blocker, PolicyReason reason) => new() { Start = false, Blocker = blocker, Reason = reason, At = time.GetUtcNow() };

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Message = "Door: {Trigger} by {RequestedBy}: started {Started}: {Blocker} {Reason}")]
        public static partial void Answered(ILogger logger, LogLevel level, RolloutTrigger trigger, string requestedBy, bool started, PolicyBlocker blocker, string reason);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Door: {Trigger}: a production head moved while deciding; deciding again on the new heads")]
        public static partial void HeadsMoved(ILogger logger, RolloutTrigger trigger);
    }
}
