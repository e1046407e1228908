using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>
/// Connections opened before a rollout is planned: <c>chatops deploy --yes</c> starts the handshakes to the hosts it
/// will most likely start with while it opens the store and fetches the production heads, which take about as long.
/// Connecting runs nothing on a host: every command still waits until the rollout and the host's state are saved. The
/// next rollout takes the connections of its hosts (<see cref="Take"/>); the others are closed then, or when the
/// process ends (disposal).
/// </summary>
public sealed class EarlyConnections(FleetConfig fleet, IHostTransportFactory transports, TimeProvider time, ILogger<EarlyConnections> logger)
    : IAsyncDisposable
{
    private readonly HostConnector _connector = new(fleet, transports, time, logger);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, Task<ConnectResult>> _started = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts connecting to the hosts a rollout over <paramref name="hosts"/> (in plan order) starts with: the canaries,
    /// or the first <c>rollout.parallelism</c>.
    /// </summary>
    public void Start(IReadOnlyList<HostConfig> hosts)
    {
        var canaries = Math.Min(fleet.Rollout.CanaryCount, hosts.Count);
        var first = hosts.Take(canaries > 0 ? Math.Min(canaries, fleet.Rollout.Parallelism) : fleet.Rollout.Parallelism);
        lock (_started)
        {
            if (_stop.IsCancellationRequested) return;
            var token = _stop.Token;
            foreach (var host in first)
            {
                if (!_started.ContainsKey(host.Name))
                    _started[host.Name] = Task.Run(() => _connector.ConnectAsync(host, token), CancellationToken.None);
            }
        }
    }

    /// <summary>The connections started for <paramref name="hosts"/>; those started for any other host are closed.</summary>
    internal Dictionary<string, Task<ConnectResult>> Take(IReadOnlyCollection<string> hosts)
    {
        List<Task<ConnectResult>> others;
        var taken = new Dictionary<string, Task<ConnectResult>>(StringComparer.Ordinal);
        lock (_started)
        {
            foreach (var (name, connecting) in _started.Where(kv => hosts.Contains(kv.Key))) taken[name] = connecting;
            others = [.. _started.Where(kv => !hosts.Contains(kv.Key)).Select(kv => kv.Value)];
            _started.Clear();
        }

        foreach (var unused in others) _ = HostConnector.CloseUnusedAsync(unused);
        return taken;
    }

    public async ValueTask DisposeAsync()
    {
        List<Task<ConnectResult>> unused;
        lock (_started)
        {
            unused = [.. _started.Values];
            _started.Clear();
        }

        await _stop.CancelAsync();
        await Task.WhenAll(unused.Select(HostConnector.CloseUnusedAsync));
    }
}
