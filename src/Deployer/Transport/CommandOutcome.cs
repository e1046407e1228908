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

/// <summary>
/// What one command did on a host. Output is the tail, capped at the configured size. <see cref="Error"/> says why a
/// command did not end with an exit code of its own (timed out, connection lost, killed by a signal), as data.
/// <paramref name="StdoutDropped"/> and <paramref name="StderrDropped"/>: bytes from the start of each output that the
/// tail no longer holds.
/// </summary>
public sealed record CommandOutcome(
    CommandStatus Status,
    int? ExitCode,
    string Stdout,
    string Stderr,
    TimeSpan Duration,
    CommandError? Error = null,
    bool OutputTruncated = false,
    long StdoutDropped = 0,
    long StderrDropped = 0)
{
    public bool Succeeded => Status == CommandStatus.Ok;

    /// <summary>The outcome of a command whose output <paramref name="stdout"/> and <paramref name="stderr"/> kept.</summary>
    public static CommandOutcome Of(CommandStatus status, int? exitCode, OutputTail stdout, OutputTail stderr, TimeSpan duration, CommandError? error = null) =>
        new(status, exitCode, stdout.ToString(), stderr.ToString(), duration, error, stdout.Truncated || stderr.Truncated, stdout.DroppedBytes, stderr.DroppedBytes);
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

/// <summary>What exactly stood in the way of a connection (the Bot words it from this and the fields it names).</summary>
public enum ConnectProblem
{
    /// <summary>The host key was refused: <see cref="ConnectFailure.HostKey"/>.</summary>
    HostKeyRefused,

    /// <summary>The host's name (<see cref="ConnectFailure.Value"/>) is not a valid name.</summary>
    InvalidHostName,

    /// <summary>The address (<see cref="ConnectFailure.Value"/>) of <see cref="ConnectFailure.Host"/> is not a host name or IP address.</summary>
    InvalidAddress,

    /// <summary>The port (<see cref="ConnectFailure.Port"/>) of <see cref="ConnectFailure.Host"/> is out of range.</summary>
    InvalidPort,

    /// <summary>The ssh user (<see cref="ConnectFailure.Value"/>) of <see cref="ConnectFailure.Host"/> is missing or invalid.</summary>
    InvalidUser,

    /// <summary>The basedir (<see cref="ConnectFailure.Value"/>) of <see cref="ConnectFailure.Host"/> is not a valid path.</summary>
    InvalidBasedir,

    /// <summary>No key file: neither the environment variable <see cref="ConnectFailure.Variable"/> nor ssh.keyFile is set.</summary>
    NoKeyConfigured,

    /// <summary>The key file <see cref="ConnectFailure.Path"/> (named by <see cref="ConnectFailure.From"/>) does not exist.</summary>
    KeyMissing,

    /// <summary>The key file could not be read (<see cref="ConnectFailure.Detail"/>).</summary>
    KeyUnreadable,

    /// <summary>The key is encrypted and the passphrase variable <see cref="ConnectFailure.Variable"/> is empty.</summary>
    KeyEncrypted,

    /// <summary>
    /// The key file is not a usable private key (<see cref="ConnectFailure.Detail"/>); <see cref="ConnectFailure.Variable"/>
    /// names the passphrase variable when a passphrase was given (it may be wrong).
    /// </summary>
    KeyUnusable,

    /// <summary><see cref="ConnectFailure.Host"/> refused our key for <see cref="ConnectFailure.User"/> (key file <see cref="ConnectFailure.Path"/>).</summary>
    AuthRefused,

    /// <summary>TCP connection refused.</summary>
    ConnectionRefused,

    /// <summary>DNS found no such host.</summary>
    HostNotFound,

    /// <summary>No route to the host or its network.</summary>
    NoRoute,

    /// <summary>Another socket error (<see cref="ConnectFailure.Detail"/>).</summary>
    SocketError,

    /// <summary>The SSH handshake failed (<see cref="ConnectFailure.Detail"/>).</summary>
    HandshakeFailed,

    /// <summary>The SSH handshake did not finish within <see cref="ConnectFailure.Seconds"/> (the connect timeout).</summary>
    HandshakeTimedOut,

    /// <summary>The basedir <see cref="ConnectFailure.Path"/> of a local host does not exist.</summary>
    BasedirMissing,
}

/// <summary>
/// Why a connection to a host could not be made, as data (stored with the host's failure); the Bot words it.
/// <see cref="Host"/> is the host's label, <c>bm01 (127.0.0.1:2222)</c>, or its name for a refused config value;
/// <see cref="Detail"/> holds only what SSH.NET or the operating system said.
/// </summary>
public sealed record ConnectFailure
{
    public ConnectFailureKind Kind { get; init; }

    public ConnectProblem Problem { get; init; }

    public string? Host { get; init; }

    /// <summary>The refused config value, as given (the Bot cleans it).</summary>
    public string? Value { get; init; }

    public int? Port { get; init; }

    public string? User { get; init; }

    /// <summary>The key file, or a local host's basedir.</summary>
    public string? Path { get; init; }

    /// <summary>Where the key file's name came from: <c>ssh.keyFile</c> or <c>$VARIABLE</c>.</summary>
    public string? From { get; init; }

    /// <summary>The environment variable to set (key file or passphrase).</summary>
    public string? Variable { get; init; }

    public int? Seconds { get; init; }

    public string? Detail { get; init; }

    public HostKeyRefusal? HostKey { get; init; }

    public bool IsTransient => Kind is ConnectFailureKind.Unreachable or ConnectFailureKind.Timeout;
}

/// <summary>Either an open session or the reason there is none.</summary>
public sealed record ConnectResult(IHostSession? Session, ConnectFailure? Failure)
{
    public static ConnectResult Ok(IHostSession session) => new(session, null);

    public static ConnectResult Fail(ConnectFailure failure) => new(null, failure);
}
