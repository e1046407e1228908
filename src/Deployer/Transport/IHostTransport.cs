using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>Opens sessions to hosts of one transport kind (ssh, local).</summary>
public interface IHostTransport
{
    /// <summary>Connects once; the session is reused for every command of the host's rollout.</summary>
    Task<ConnectResult> ConnectAsync(HostConfig host, CancellationToken cancellationToken);
}

/// <summary>A connection to one host.</summary>
public interface IHostSession : ICommandRunner, IAsyncDisposable
{
    /// <summary>
    /// Starts the host's sequence (<see cref="HostDriver"/>): one channel for all of its commands, under the host
    /// lock. Sessions without a driver run each command on its own.
    /// </summary>
    Task<IHostSequence> StartSequenceAsync(SequenceOptions options, CancellationToken cancellationToken) =>
        Task.FromResult<IHostSequence>(new CommandSequence(this));
}

/// <summary>Picks the transport for a host.</summary>
public interface IHostTransportFactory
{
    IHostTransport For(HostConfig host);
}
