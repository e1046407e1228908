using System.Collections.Concurrent;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>Passes every connect through to the real transports and counts the attempts per host.</summary>
public sealed class CountingTransportFactory(IHostTransportFactory inner) : IHostTransportFactory
{
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);

    public int Attempts(string host) => _attempts.GetValueOrDefault(host);

    public IHostTransport For(HostConfig host) => new Counting(inner.For(host), _attempts);

    private sealed class Counting(IHostTransport inner, ConcurrentDictionary<string, int> attempts) : IHostTransport
    {
        public Task<ConnectResult> ConnectAsync(HostConfig host, CancellationToken cancellationToken)
        {
            attempts.AddOrUpdate(host.Name, 1, (_, n) => n + 1);
            return inner.ConnectAsync(host, cancellationToken);
        }
    }
}
