using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Transport;

public sealed class HostTransportFactory : IHostTransportFactory
{
    private readonly LocalTransport _local;
    private readonly SshTransport _ssh;

    public HostTransportFactory(FleetConfig fleet, TimeProvider timeProvider)
    {
        _local = new LocalTransport(fleet.Ssh.MaxOutputBytes, timeProvider);
        _ssh = new SshTransport(fleet.Ssh, timeProvider);
        // Rollouts and live probes talk to up to rollout.parallelism hosts at once; see ThreadPoolHeadroom.
        if (fleet.Hosts.Any(h => h.Transport == TransportKind.Ssh)) ThreadPoolHeadroom.Ensure(fleet.Rollout.Parallelism);
    }

    public IHostTransport For(HostConfig host) => host.Transport == TransportKind.Local ? _local : _ssh;
}
