using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Transport;

internal static partial class TransportLog
{
    [LoggerMessage(101, LogLevel.Debug, "Connected to {Host} ({Address}:{Port}); host key {Fingerprint} matched {KnownHosts} line {Line}")]
    public static partial void Connected(ILogger logger, string host, string address, int port, string? fingerprint, string knownHosts, int? line);

    [LoggerMessage(102, LogLevel.Warning, "Connect to {Host} failed ({Kind}): {Failure}")]
    public static partial void ConnectFailed(ILogger logger, string host, ConnectFailureKind kind, ConnectFailure failure);

    [LoggerMessage(103, LogLevel.Error, "Refused host key of {Host} ({Kind}, {Problem}): got {Fingerprint} ({KeyType}), expected {Expected} in {KnownHosts}; {Detail}")]
    public static partial void HostKeyRefused(
        ILogger logger, string host, ConnectFailureKind kind, HostKeyProblem problem, string fingerprint, string? keyType, string expected, string? knownHosts, string? detail);

    [LoggerMessage(104, LogLevel.Warning, "Command on {Host} stopped after {Seconds}s ({Why}); {Kill} process group {ProcessGroup}")]
    public static partial void CommandStopped(ILogger logger, string host, double seconds, string why, StopKind kill, int? processGroup);

    [LoggerMessage(105, LogLevel.Warning, "Connection to {Host} broke during a command: {Reason}")]
    public static partial void ConnectionLost(ILogger logger, string host, string reason);
}
