using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>Opens sessions to hosts of one transport kind (ssh, local).</summary>
public interface IHostTransport
{
    /// <summary>Connects once; the session is reused for every command of the host's rollout.</summary>
    Task<ConnectResult> ConnectAsync(HostConfig host, CancellationToken cancellationToken);
}

/// <summary>A connection to one host.</summary>
public interface IHostSession : IAsyncDisposable
{
    /// <summary>
    /// Runs a shell command. The timeout kills the command and closes its channel.
    /// Cancelling the token abandons the command the same way; callers that want running steps to finish
    /// pass <see cref="CancellationToken.None"/> and rely on the timeout.
    /// </summary>
    Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>Picks the transport for a host.</summary>
public interface IHostTransportFactory
{
    IHostTransport For(HostConfig host);
}
