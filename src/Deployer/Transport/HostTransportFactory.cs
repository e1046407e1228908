using ChatOpsReconfig.Deployer.Fleet;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Transport;

public sealed class HostTransportFactory : IHostTransportFactory
{
    private readonly LocalTransport _local;
    // Made at the first ssh host: a local-only fleet (the demo) then never loads SSH.NET.
    private readonly Lazy<SshTransport> _ssh;

    public HostTransportFactory(FleetConfig fleet, TimeProvider timeProvider, ILogger<SshTransport>? sshLogger = null)
    {
        _local = new LocalTransport(fleet.Ssh.MaxOutputBytes, timeProvider, fleet.Rollout.LocalPriority);
        // With the bot's logger: refused host keys, failed connects and stopped commands are logged where people look.
        _ssh = new Lazy<SshTransport>(() => new SshTransport(fleet.Ssh, timeProvider, sshLogger));
        // Rollouts and live probes talk to up to rollout.parallelism hosts at once; see ThreadPoolHeadroom.
        if (fleet.Hosts.Any(h => h.Transport == TransportKind.Ssh)) ThreadPoolHeadroom.Ensure(fleet.Rollout.Parallelism);
    }

    public IHostTransport For(HostConfig host) => host.Transport == TransportKind.Local ? _local : _ssh.Value;
}
