using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// The words for the policy's answers (<see cref="PolicyDecision"/>), CI states and lag causes: one line each, the
/// same in chat, on the status page and in the CLI. The first blocking reason reads <c>waiting: …</c> or
/// <c>nothing to deploy: …</c>; a start names what is deployed and what the trigger skipped.
/// </summary>
internal static class PolicyText
{
    /// <param name="decision">The policy's answer.</param>
    /// <param name="zone">The zone clock times are shown in.</param>
    public static string Line(PolicyDecision decision, TimeZoneInfo zone)
    {
        if (decision.Resume is { Hosts: { } hosts } resumed) return $"resuming interrupted rollout #{resumed.RolloutId} on {hosts} host(s)";
        var line = decision.Start || decision.Reason is null ? Start(decision, zone) : Wait(decision.Reason, decision.At, zone);
        return decision.Resume is { } resume ? $"resume of interrupted rollout #{resume.RolloutId} {line}" : line;
    }

    private static string Start(PolicyDecision d, TimeZoneInfo zone)
    {
        var skipped = string.Join("; ", d.Skipped.Select(r => Blocker(r, d.At, zone)));
        var how = d.Trigger switch
        {
            TriggerKind.DeployNowForce => d.Skipped.Count == 0 ? "deploying now (forced; nothing was blocking)" : $"deploying now (forced; skipped: {skipped})",
            TriggerKind.DeployNow => d.Skipped.Count == 0 ? "deploying now" : $"deploying now (skipped: {skipped})",
            _ => "deploying",
        };
        return $"{how}: {string.Join(", ", d.Deploying.Select(r => $"{r.Repo} {RevisionSet.Short(r.Revision)}"))}";
    }

    private static string Wait(PolicyReason reason, DateTimeOffset at, TimeZoneInfo zone) => reason switch
    {
        RolloutRunningWait { Id: null } => "waiting: a rollout is already running",
        RolloutRunningWait { StartedAt: null } r => $"waiting: rollout #{r.Id} started by {r.StartedBy} is running",
        RolloutRunningWait r =>
            $"waiting: rollout #{r.Id} started by {r.StartedBy} {HumanTime.MinutesSince(at - r.StartedAt!.Value)} ago is running: {r.Done}/{r.Total} done, {r.Failed} failed",
        NotReadyWait r => $"starting: reading production heads ({r.Done}/{r.Total} repos)",
        TargetUnknown r => Target(r),
        NoHostsWait { Problem: NoHostsProblem.UnknownHosts } r => $"unknown host(s): {string.Join(", ", r.Unknown ?? [])}",
        NoHostsWait { Problem: NoHostsProblem.NothingToResume } => "no unfinished host left to resume",
        NoHostsWait => "no enabled hosts to roll out to",
        BackwardWait r =>
            $"not deploying: every host would move backward ({r.First.Host} {r.First.Repo} at {RevisionSet.Short(r.First.HostRevision)}, the set has {RevisionSet.Short(r.First.SetRevision)}"
            + (r.Count > 1 ? $", and {r.Count - 1} more" : "") + "); !rollback moves the fleet back on purpose",
        NothingToDeployWait { Kind: NothingKind.AllAtSet } r =>
            $"nothing to deploy: every targeted host already runs the set ({r.AtSet} hosts); --again runs the steps again",
        NothingToDeployWait { Kind: NothingKind.NoHostNeedsSet } => "nothing to deploy: no host needs the set",
        NothingToDeployWait => "nothing to deploy: no merge is waiting",
        _ => "waiting: " + Blocker(reason, at, zone),
    };

    private static string Target(TargetUnknown r) => r.Problem switch
    {
        TargetProblem.NoRolloutToResume => $"no rollout #{r.RolloutId} to resume",
        TargetProblem.NoSuchRollout => $"no rollout #{r.RolloutId}; !history lists them",
        TargetProblem.NoSucceededRollout => "no succeeded rollout to roll back from; name one: !rollback #N",
        TargetProblem.NoEarlierSet => $"no earlier rollout with another set than #{r.RolloutId}; name one: !rollback #N",
        _ => RepoText.HeadsUnreadable(r.Unreadable ?? []),
    };

    /// <summary>A condition that blocks (or was skipped), without the <c>waiting: </c>.</summary>
    private static string Blocker(PolicyReason reason, DateTimeOffset at, TimeZoneInfo zone) => reason switch
    {
        HoldWait h =>
            $"{HumanNames.With(HoldText.Holder(h.Holder, h.Commits), "holds")} the lock {(h.Until is { } until ? "until " + HumanTime.Clock(until, at, zone) : "until released")}"
            + (HoldText.Reason(h.Reason, h.RollbackTo, h.PlacedBy, h.Commits) is { Length: > 0 } why ? $" ({why})" : "")
            + h.Others switch { 0 => "", 1 => ", and 1 other hold", var n => $", and {n} other holds" },
        FreezeWait f => $"freeze \"{FreezeText.Reason(f.Reason, f.By)}\"{(f.By is null ? "" : $" by {f.By}")} until {HumanTime.Clock(f.Until, at, zone)}",
        QuietWait q => $"{q.Repo} pushed {HumanTime.MinutesSince(at - q.PushedAt)} ago, quiet in {HumanTime.Until(q.QuietAt - at)}",
        CiWait c => Ci(c),
        _ => Wait(reason, at, zone),
    };

    private static string Ci(CiWait c)
    {
        var verb = c.Ci.State switch { CiState.Failure => "failed", CiState.Unknown => "state unknown", _ => "pending" };
        var detail = Ci(c.Ci);
        return $"CI {verb} for {c.Repo} {RevisionSet.Short(c.Revision)}{(detail.Length > 0 ? $" ({detail})" : "")}{(c.Ci.State == CiState.Failure ? "; waiting for a new head" : "")}";
    }

    /// <summary>Why CI is not green, in a few words; empty for a plain success, failure or pending.</summary>
    public static string Ci(CiStatus s) => s.Answer switch
    {
        CiAnswer.HttpError => $"CI answered HTTP {s.HttpStatus} {s.Detail}",
        CiAnswer.Timeout => $"CI did not answer within {HumanTime.Duration(s.After ?? TimeSpan.Zero)}",
        CiAnswer.Unreachable => $"cannot reach CI: {s.Detail}",
        CiAnswer.Html => $"CI answered HTML ({(s.Detail.Length > 0 ? s.Detail : "no content type")}), not JSON",
        CiAnswer.NotJson => $"CI answered something that is not JSON: {s.Detail}",
        CiAnswer.NoState => "CI answered JSON without a \"state\" string",
        CiAnswer.UnknownState => $"CI answered an unknown state \"{s.Detail}\"",
        _ when s.Checks.Count > 0 => (s.State == CiState.Pending ? "waiting for " : "failed: ") + string.Join(", ", s.Checks),
        _ => s.Detail,
    };

    /// <summary>Why a host lags behind a merge.</summary>
    public static string Lag(LagCause cause, TimeZoneInfo zone) => cause switch
    {
        StoppedPartway p => $"updated, not reconfigured: rollout #{p.RolloutId} stopped at {p.Step ?? "a step"}",
        LastRolloutFailed f => $"last rollout #{f.RolloutId} failed{(f.Step is null ? "" : $" at {f.Step}")}: {HostText.FailureDetail(f.Failure, f.LegacyError)}",
        HostUnreachable u => $"unreachable: {HostText.FailureDetail(u.Failure, u.LegacyError)}",
        HeldByLock h => "held by the lock: "
            + string.Join("; ", h.Holds.Select(x => $"{HoldText.Holder(x)} since {HumanTime.Clock(x.Since, h.At, zone)}{(HoldText.Reason(x) is { Length: > 0 } why ? $" ({why})" : "")}")),
        PolicyWaits w => Line(w.Decision, zone),
        _ => cause.ToString(),
    };
}
