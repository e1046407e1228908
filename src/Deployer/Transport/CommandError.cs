namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>Why a command did not end with an exit code of its own.</summary>
public enum CommandErrorKind
{
    /// <summary>The step timeout (<see cref="CommandError.Seconds"/>) passed; <see cref="CommandError.Stop"/> says how it was stopped.</summary>
    TimedOut,

    /// <summary>The step timeout passed and the host's watchdog did not stop it; the bot killed it (<see cref="CommandError.Stop"/>).</summary>
    TimedOutUnstopped,

    /// <summary>Cancelled while it ran; <see cref="CommandError.Stop"/> says how it was stopped.</summary>
    Cancelled,

    /// <summary>Ended by a signal (<see cref="CommandError.Signal"/>); the exit code is 128 + its number.</summary>
    Signal,

    /// <summary>The session was closed before the command.</summary>
    SessionClosed,

    /// <summary>The connection to <see cref="CommandError.Host"/> was gone before the command started.</summary>
    ConnectionLost,

    /// <summary>The connection to <see cref="CommandError.Host"/> broke while the command ran.</summary>
    BrokeWhileRunning,

    /// <summary>The connection to <see cref="CommandError.Host"/> broke while talking to the driver.</summary>
    ConnectionBroke,

    /// <summary>The bot closed the connection to <see cref="CommandError.Host"/> under the sequence.</summary>
    ConnectionClosed,

    /// <summary><see cref="CommandError.Host"/> closed the command's channel without an exit status or a signal.</summary>
    NoExitStatus,

    /// <summary>/bin/sh could not be started on the bot's machine (local transport).</summary>
    ShellNotStarted,

    /// <summary>The host lock is held by another sequence: nothing runs.</summary>
    HostLockHeld,

    /// <summary>The driver on <see cref="CommandError.Host"/> did not do <see cref="CommandError.Waiting"/> within <see cref="CommandError.Seconds"/>.</summary>
    DriverSilent,

    /// <summary>The driver on <see cref="CommandError.Host"/> exited (<see cref="CommandError.ExitCode"/>).</summary>
    DriverExited,

    /// <summary><see cref="CommandError.Host"/> closed the driver's channel without an exit status.</summary>
    ChannelClosed,

    /// <summary>The local driver process ended.</summary>
    DriverEnded,

    /// <summary>The sequence was closed by the bot.</summary>
    SequenceClosed,

    /// <summary>The driver on <see cref="CommandError.Host"/> ended a step without an exit status.</summary>
    DriverNoExitStatus,

    /// <summary>
    /// The driver on <see cref="CommandError.Host"/> did not end a step <see cref="CommandError.Seconds"/> after it started;
    /// the bot killed it (<see cref="CommandError.Stop"/>) and gave up on the channel.
    /// </summary>
    StepNotEnded,
}

/// <summary>What the driver was waiting for when it went silent (<see cref="CommandErrorKind.DriverSilent"/>).</summary>
public enum DriverWait
{
    Start,

    Lock,

    Journal,
}

/// <summary>How a command that had to be stopped was stopped.</summary>
public enum StopKind
{
    /// <summary>The process group (<see cref="CommandStop.ProcessGroup"/>, when known) was sent TERM, then KILL.</summary>
    Killed,

    /// <summary>The local process and its children were killed.</summary>
    TreeKilled,

    /// <summary>The kill command did not finish within <see cref="CommandStop.Seconds"/>.</summary>
    KillTimedOut,

    /// <summary>The kill could not be sent (<see cref="CommandStop.Detail"/>: what the transport said, if anything).</summary>
    KillFailed,

    /// <summary>The remote process id never came: only the channel was closed.</summary>
    PidUnknown,

    /// <summary>The driver never named the step's process group: nothing to kill from outside.</summary>
    GroupUnknown,

    /// <summary>There was no channel to kill through.</summary>
    NoChannel,
}

/// <summary>How a command was stopped, as data; the Bot words it.</summary>
public sealed record CommandStop
{
    public StopKind Kind { get; init; }

    public int? ProcessGroup { get; init; }

    public int? Seconds { get; init; }

    /// <summary>What the transport said (never our words).</summary>
    public string? Detail { get; init; }
}

/// <summary>
/// Why a command did not end with an exit code of its own, as data (stored with step results); the Bot words it.
/// <see cref="Host"/> is the host's label, <c>bm01 (127.0.0.1:2222)</c>; <see cref="Detail"/> holds only what SSH.NET
/// or the operating system said.
/// </summary>
public sealed record CommandError
{
    public CommandErrorKind Kind { get; init; }

    public string? Host { get; init; }

    /// <summary>The step timeout (<see cref="CommandErrorKind.TimedOut"/>), or how long the bot waited.</summary>
    public int? Seconds { get; init; }

    /// <summary>The signal's name (<see cref="CommandErrorKind.Signal"/>): <c>TERM</c>, <c>KILL</c>.</summary>
    public string? Signal { get; init; }

    /// <summary>The driver's exit status (<see cref="CommandErrorKind.DriverExited"/>).</summary>
    public int? ExitCode { get; init; }

    public DriverWait? Waiting { get; init; }

    public CommandStop? Stop { get; init; }

    public string? Detail { get; init; }
}
