namespace ChatOpsReconfig.Deployer.Transport;

public enum CommandStatus
{
    /// <summary>Exit code 0.</summary>
    Ok,

    /// <summary>The command ran and exited non-zero.</summary>
    Failed,

    /// <summary>The step timeout passed; the command was killed and its channel closed.</summary>
    TimedOut,

    /// <summary>The connection or channel broke while the command ran.</summary>
    Error,
}

/// <summary>What one command did on a host. Output is the tail, capped at the configured size.</summary>
public sealed record CommandOutcome(
    CommandStatus Status,
    int? ExitCode,
    string Stdout,
    string Stderr,
    TimeSpan Duration,
    string? Error = null,
    bool OutputTruncated = false)
{
    public bool Succeeded => Status == CommandStatus.Ok;

    /// <summary>One line for tables and chat: "exit 2", "timed out after 30s", "error: …".</summary>
    public string Describe() => Status switch
    {
        CommandStatus.Ok => "ok",
        CommandStatus.Failed => $"exit {ExitCode}",
        CommandStatus.TimedOut => $"timed out after {Duration.TotalSeconds:0}s",
        _ => $"error: {Error}",
    };
}

public enum ConnectFailureKind
{
    /// <summary>Refused, no route, DNS failure: retried.</summary>
    Unreachable,

    /// <summary>TCP connected but no SSH handshake within the connect timeout: retried.</summary>
    Timeout,

    /// <summary>The host key is not in known_hosts and not pinned: never retried.</summary>
    HostKeyUnknown,

    /// <summary>The host key differs from the known or pinned one: never retried.</summary>
    HostKeyMismatch,

    /// <summary>The server refused our key: never retried.</summary>
    AuthFailed,

    /// <summary>Configuration is unusable (no key file, unreadable key): never retried.</summary>
    Config,
}

/// <summary>
/// Why a connection to a host could not be made: what the transport said, or, for a refused host key, the refusal
/// as data (<see cref="HostKey"/>; then <see cref="Message"/> is null).
/// </summary>
public sealed record ConnectFailure(ConnectFailureKind Kind, string? Message, HostKeyRefusal? HostKey = null)
{
    public bool IsTransient => Kind is ConnectFailureKind.Unreachable or ConnectFailureKind.Timeout;
}

/// <summary>Either an open session or the reason there is none.</summary>
public sealed record ConnectResult(IHostSession? Session, ConnectFailure? Failure)
{
    public static ConnectResult Ok(IHostSession session) => new(session, null);

    public static ConnectResult Fail(ConnectFailureKind kind, string message) => new(null, new ConnectFailure(kind, message));
}
