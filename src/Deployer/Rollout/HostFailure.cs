using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>Why a host's run did not end ok.</summary>
public enum HostFailureKind
{
    /// <summary>A step did not finish ok (<see cref="HostFailure.Step"/>, <see cref="HostFailure.StepStatus"/>).</summary>
    Step,

    /// <summary>
    /// No connection: <see cref="HostFailure.ConnectFailure"/> says why, or <see cref="HostFailure.HostKey"/> why the host key
    /// was refused (older builds stored the transport's words in <see cref="HostFailure.Detail"/>).
    /// </summary>
    Connect,

    /// <summary>Connected, but the sequence could not start (the driver failed, <see cref="HostFailure.CommandError"/>); nothing ran.</summary>
    Start,

    /// <summary>Another sequence (rollout <see cref="HostFailure.OtherRollout"/>) still held the host lock after <see cref="HostFailure.Seconds"/>; nothing ran.</summary>
    LockTimedOut,

    /// <summary>The rollout was cancelled between steps; <see cref="HostFailure.Step"/> did not start.</summary>
    CancelledBeforeStep,

    /// <summary>The rollout was cancelled while the host was still connecting.</summary>
    CancelledWhileConnecting,

    /// <summary>Not touched: the canary (<see cref="HostFailure.Canary"/>) failed.</summary>
    CanaryFailed,

    /// <summary>Not started: the rollout was cancelled first.</summary>
    RolloutCancelled,

    /// <summary>The bot stopped (crash) during this host's run.</summary>
    InterruptedDuringRun,

    /// <summary>The bot stopped (crash) before this host started.</summary>
    InterruptedBeforeStart,

    /// <summary>A bug in the bot (<see cref="HostFailure.Detail"/> is the exception's message).</summary>
    Internal,
}

/// <summary>What a failed gate step's restore of the previous revisions did.</summary>
public enum RestoreOutcome
{
    NotTried,

    Restored,

    /// <summary>The restore ran and did not finish ok (<see cref="HostFailure.RestoreStatus"/>, <see cref="HostFailure.RestoreDetail"/>).</summary>
    Failed,

    /// <summary>Not tried: the previous revisions were not all known.</summary>
    PreviousUnknown,
}

/// <summary>
/// Why a host did not end ok, as data; the Bot words it. <see cref="Detail"/> and <see cref="RestoreDetail"/> hold only
/// what the host, the transport or an exception said (echoed through the sanitizer), never a sentence of ours; in
/// documents stored by older builds they may hold the transport's old sentences, which are shown as stored.
/// </summary>
public sealed record HostFailure
{
    public HostFailureKind Kind { get; init; }

    /// <summary>The step concerned (<see cref="HostFailureKind.Step"/>, <see cref="HostFailureKind.CancelledBeforeStep"/>).</summary>
    public string? Step { get; init; }

    /// <summary>How the step ended (<see cref="HostFailureKind.Step"/>).</summary>
    public StepStatus? StepStatus { get; init; }

    public string? Detail { get; init; }

    /// <summary>Why a <see cref="Rollout.StepStatus.Refused"/> step's command was not built.</summary>
    public List<Fleet.TemplateProblem>? Refusal { get; init; }

    /// <summary>The failed step's exit code, when it exited.</summary>
    public int? ExitCode { get; init; }

    /// <summary>How long the step ran (timed out) or the lock was waited for, in whole seconds.</summary>
    public int? Seconds { get; init; }

    /// <summary>The rollout whose sequence held the host lock (<see cref="HostFailureKind.LockTimedOut"/>).</summary>
    public int? OtherRollout { get; init; }

    public RestoreOutcome Restore { get; init; }

    public StepStatus? RestoreStatus { get; init; }

    public string? RestoreDetail { get; init; }

    /// <summary>Why the restore's command was not built (<see cref="RestoreStatus"/> <see cref="Rollout.StepStatus.Refused"/>).</summary>
    public List<Fleet.TemplateProblem>? RestoreRefusal { get; init; }

    /// <summary>Why the failed step (<see cref="HostFailureKind.Step"/>) or the sequence's start (<see cref="HostFailureKind.Start"/>) did not end with an exit code.</summary>
    public CommandError? CommandError { get; init; }

    /// <summary>Why the restore did not end with an exit code.</summary>
    public CommandError? RestoreCommandError { get; init; }

    /// <summary>Why there was no connection (<see cref="HostFailureKind.Connect"/>); a refused host key is in <see cref="HostKey"/>.</summary>
    public ConnectFailure? ConnectFailure { get; init; }

    /// <summary>The canary that failed (<see cref="HostFailureKind.CanaryFailed"/>).</summary>
    public string? Canary { get; init; }

    /// <summary>The refused host key (<see cref="HostFailureKind.Connect"/>); null for other connect failures.</summary>
    public HostKeyRefusal? HostKey { get; init; }

    public static HostFailure Of(HostFailureKind kind, string? detail = null) => new() { Kind = kind, Detail = detail };

    /// <summary>A failed connect as a host failure: why, with the refused host key (if any) where older builds kept it.</summary>
    public static HostFailure Connect(ConnectFailure? failure) =>
        new() { Kind = HostFailureKind.Connect, ConnectFailure = failure is null ? null : failure with { HostKey = null }, HostKey = failure?.HostKey };

    /// <summary>A sequence that could not start: nothing ran.</summary>
    public static HostFailure Start(CommandError error) => new() { Kind = HostFailureKind.Start, CommandError = error };
}
