using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Transport;

public sealed class HostTransportFactory(FleetConfig fleet, TimeProvider timeProvider) : IHostTransportFactory
{
    private readonly LocalTransport _local = new(fleet.Ssh.MaxOutputBytes, timeProvider);
    private readonly SshTransport _ssh = new(fleet.Ssh, timeProvider);

    public IHostTransport For(HostConfig host) => host.Transport == TransportKind.Local ? _local : _ssh;
}
