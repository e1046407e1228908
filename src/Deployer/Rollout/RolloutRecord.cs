namespace ChatOpsReconfig.Deployer.Rollout;

public enum RolloutState
{
    Running,
    Succeeded,
    Failed,
    Halted,
    Cancelled,
    Interrupted,
}

public enum HostOutcome
{
    Pending,
    Running,
    Ok,
    Failed,
    Unreachable,

    /// <summary>Not touched: a canary failed or the rollout was cancelled before the host started.</summary>
    Skipped,

    /// <summary>Stopped between steps because the rollout was cancelled; may be partly updated.</summary>
    Cancelled,
}

/// <summary>One rollout: the pinned revision set, its hosts and how it ended.</summary>
public sealed record RolloutRecord
{
    public int Id { get; init; }

    public RolloutState State { get; init; } = RolloutState.Running;

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string StartedBy { get; init; } = "";

    /// <summary>
    /// Why it ran, in the words builds before the typed <see cref="Trigger"/> stored (field <c>Reason</c> of old
    /// documents); null for rollouts started since. The Bot shows it as written when present.
    /// </summary>
    public string? LegacyReason { get; init; }

    public bool Forced { get; init; }

    /// <summary>Asked with <c>--again</c>: the steps also ran on hosts that already ran the set.</summary>
    public bool Again { get; init; }

    /// <summary>Automatic rollouts: the repos whose new heads it deploys (their revisions are in <see cref="Revisions"/>).</summary>
    public List<string> Deploying { get; init; } = [];

    /// <summary>The revision set: repo name to full revision.</summary>
    public Dictionary<string, string> Revisions { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Per repo: from the last set to this one, with the commits going out.</summary>
    public List<RepoChange> Changes { get; init; } = [];

    /// <summary>Hosts left out because they would have moved backward.</summary>
    public List<HostRefusal> Refused { get; init; } = [];

    /// <summary>Host names in the order they run (canaries first).</summary>
    public List<string> Hosts { get; init; } = [];

    public int CanaryCount { get; init; }

    /// <summary>When this rollout resumes an interrupted one, that rollout's id.</summary>
    public int? ResumedFrom { get; init; }

    /// <summary>When this rollout rolls the fleet back to an earlier rollout's set (<c>!rollback</c>), that rollout's id.</summary>
    public int? RollbackTo { get; init; }

    /// <summary>What asked for it (policy timer, <c>!deploy now</c>, CLI, resume, rollback…).</summary>
    public RolloutTrigger Trigger { get; init; }

    /// <summary>Interrupted rollouts only: the resume was started or found unnecessary, so it is not tried again.</summary>
    public bool ResumeHandled { get; init; }

    /// <summary>How its hosts ended, counted when it finished; null while running.</summary>
    public RolloutTally? Tally { get; init; }

    /// <summary>Halted: the canary that failed; the hosts after the canaries were not touched.</summary>
    public string? FailedCanary { get; init; }

    /// <summary>Halted: why <see cref="FailedCanary"/> failed.</summary>
    public HostFailure? CanaryFailure { get; init; }

    /// <summary>Interrupted: the hosts that had not finished when the bot stopped.</summary>
    public List<string> Unfinished { get; init; } = [];

    /// <summary>
    /// How it ended, in the words builds before <see cref="Tally"/> stored (field <c>Summary</c> of old documents);
    /// null for rollouts finished since.
    /// </summary>
    public string? LegacySummary { get; init; }
}

/// <summary>How many hosts of a finished rollout ended which way.</summary>
public sealed record RolloutTally
{
    public int Total { get; init; }

    public int Ok { get; init; }

    public int Failed { get; init; }

    public int Unreachable { get; init; }

    /// <summary>Stopped between steps by a cancel (<see cref="HostOutcome.Cancelled"/>).</summary>
    public int Cancelled { get; init; }

    /// <summary>Never started (<see cref="HostOutcome.Skipped"/>).</summary>
    public int Skipped { get; init; }

    public static RolloutTally Of(IReadOnlyCollection<HostResult> results) => new()
    {
        Total = results.Count,
        Ok = results.Count(r => r.Outcome == HostOutcome.Ok),
        Failed = results.Count(r => r.Outcome == HostOutcome.Failed),
        Unreachable = results.Count(r => r.Outcome == HostOutcome.Unreachable),
        Cancelled = results.Count(r => r.Outcome == HostOutcome.Cancelled),
        Skipped = results.Count(r => r.Outcome == HostOutcome.Skipped),
    };
}

/// <summary>One host's part of a rollout, saved after every step.</summary>
public sealed record HostResult
{
    /// <summary><c>{rolloutId}/{host}</c>.</summary>
    public string Id { get; init; } = "";

    public int RolloutId { get; init; }

    public string Host { get; init; } = "";

    public string Role { get; init; } = "";

    public bool Canary { get; init; }

    public HostOutcome Outcome { get; init; } = HostOutcome.Pending;

    public string? FailedStep { get; init; }

    /// <summary>Why it did not end ok; null when it did (or when stored by an older build, see <see cref="LegacyError"/>).</summary>
    public HostFailure? Failure { get; init; }

    /// <summary>Why it did not end ok, in the words older builds stored (field <c>Error</c> of old documents).</summary>
    public string? LegacyError { get; init; }

    /// <summary>True when a failed gate step led to the previous revisions being restored.</summary>
    public bool Restored { get; init; }

    /// <summary>What the host lock did when another sequence held it (waited for it, stopped an orphan); null when free.</summary>
    public HostLockNote? Lock { get; init; }

    /// <summary>The bot stopped (crash) before this host finished; resuming the rollout runs it again.</summary>
    public bool Interrupted { get; init; }

    /// <summary>Ran to an end of its own: ok, failed at a step, or unreachable (not cut off by a crash).</summary>
    public bool Finished => !Interrupted && Outcome is HostOutcome.Ok or HostOutcome.Failed or HostOutcome.Unreachable;

    public Dictionary<string, string> Before { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> After { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Why a revision in <see cref="Before"/> or <see cref="After"/> is unknown.</summary>
    public List<RevisionProblem> RevisionReadProblems { get; init; } = [];

    /// <summary>The same in the words older builds stored ("before: tools: …"); no longer written.</summary>
    public List<string> RevisionProblems { get; init; } = [];

    public List<StepResult> Steps { get; init; } = [];

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public TimeSpan Duration => StartedAt is { } s && FinishedAt is { } f ? f - s : TimeSpan.Zero;

    public static string MakeId(int rolloutId, string host) => $"{rolloutId}/{host}";
}

/// <summary>What the host lock did when it was not simply free: waited for, or stopped, the sequence of another rollout.</summary>
public sealed record HostLockNote
{
    public Transport.LockAction Action { get; init; }

    /// <summary>The rollout whose sequence held the lock, when known.</summary>
    public int? Holder { get; init; }

    public int WaitedSeconds { get; init; }
}

/// <summary>How one step ended.</summary>
public enum StepStatus
{
    Ok,

    /// <summary>Ran and exited non-zero.</summary>
    Failed,

    /// <summary>Killed at its timeout.</summary>
    TimedOut,

    /// <summary>Could not run to an exit code (connection lost, channel error).</summary>
    Error,

    /// <summary>Never started: a value could not be put into its command safely.</summary>
    Refused,
}

/// <summary>What one step (or revision read) did.</summary>
public sealed record StepResult
{
    public string Name { get; init; } = "";

    public string Command { get; init; } = "";

    public StepStatus Status { get; init; }

    public bool Ok => Status == StepStatus.Ok;

    public int? ExitCode { get; init; }

    public string StdoutTail { get; init; } = "";

    public string StderrTail { get; init; } = "";

    /// <summary>
    /// Bytes from the start of stdout the transport did not keep, when the tail is stored whole (a tail cut again to
    /// fit the store starts with <c>…</c> instead); the Bot says so above the tail. Older builds wrote that into the tail.
    /// </summary>
    public long StdoutDropped { get; init; }

    /// <summary>As <see cref="StdoutDropped"/>, for stderr.</summary>
    public long StderrDropped { get; init; }

    /// <summary>
    /// The interrupted rollout whose run already did this step at these revisions (the host journal says so): it was
    /// not run again, and <see cref="StdoutTail"/> is empty.
    /// </summary>
    public int? AlreadyDoneBy { get; init; }

    /// <summary>
    /// When not ok: what the host's stderr said (no words of ours); in documents stored by older builds also the
    /// transport's old sentences and the command template's refusal in words, shown as stored.
    /// </summary>
    public string? Error { get; init; }

    /// <summary>Why a <see cref="StepStatus.Refused"/> step's command was not built; null otherwise.</summary>
    public List<Fleet.TemplateProblem>? Refusal { get; init; }

    /// <summary>Why the step did not end with an exit code of its own (timed out, connection lost, killed by a signal).</summary>
    public Transport.CommandError? CommandError { get; init; }

    public long DurationMs { get; init; }
}

/// <summary>The last thing known about a host: its revisions and how its last rollout went.</summary>
public sealed record HostState
{
    /// <summary>Host name.</summary>
    public string Id { get; init; } = "";

    public Dictionary<string, string> Revisions { get; init; } = new(StringComparer.Ordinal);

    public DateTimeOffset? RevisionsAt { get; init; }

    public HostOutcome LastOutcome { get; init; } = HostOutcome.Pending;

    public string? LastFailedStep { get; init; }

    /// <summary>Why the last rollout (or probe) did not reach it or end ok.</summary>
    public HostFailure? LastFailure { get; init; }

    /// <summary>The same in the words older builds stored (field <c>LastError</c> of old documents).</summary>
    public string? LegacyLastError { get; init; }

    public int? LastRolloutId { get; init; }

    public DateTimeOffset? LastRolloutAt { get; init; }

    /// <summary>
    /// Changed by a step (the update step ran) but stopped before its last step finished ok, without a restore:
    /// updated, not reconfigured. Set by a cancel, a crash, a step timeout or a lost connection.
    /// </summary>
    public bool Partial { get; init; }
}

/// <summary>Whether a host's run left it changed but unfinished (see <see cref="HostState.Partial"/>).</summary>
public static class PartialRun
{
    public static bool Of(HostResult result, Fleet.RoleConfig role) => Of(result, role.UpdateStep, role.Steps.Count);

    public static bool Of(HostResult result, string updateStep, int stepCount)
    {
        if (result.Restored || result.Outcome == HostOutcome.Ok) return false;
        var updateRan = result.Steps.Any(s => s.Name == updateStep && s.Status != StepStatus.Refused);
        if (!updateRan) return false;
        var allOk = result.Steps.Count(s => s.Status == StepStatus.Ok && s.Name != "restore") >= stepCount;
        if (allOk) return false;
        // A step that failed on its own (exit code) is a failure, shown as such; the rest stopped partway.
        var last = result.Steps.LastOrDefault();
        return result.Interrupted || result.Outcome == HostOutcome.Cancelled || last?.Status is StepStatus.TimedOut or StepStatus.Error;
    }
}
