using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>Placeholder until the SSH.NET transport lands.</summary>
public sealed class SshTransport(SshSettings settings, TimeProvider timeProvider) : IHostTransport
{
    public Task<ConnectResult> ConnectAsync(HostConfig host, CancellationToken cancellationToken) =>
        Task.FromResult(ConnectResult.Fail(ConnectFailureKind.Config, $"ssh not implemented ({settings.Port}, {timeProvider})"));
}
