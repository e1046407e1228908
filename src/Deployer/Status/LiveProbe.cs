using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Status;

/// <summary>Asks hosts, in parallel, which revisions they run, and records the answers as their latest state.</summary>
public sealed class LiveProbe(FleetConfig fleet, IHostTransportFactory transports, IRolloutStore store, TimeProvider time)
{
    /// <summary>
    /// Probes the hosts and returns their states as stored afterwards. A host a rollout finished while it was being
    /// probed keeps the rollout's state (<see cref="RolloutWrite.SaveProbe"/>).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, HostState>> ProbeAsync(IEnumerable<HostConfig> hosts, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, HostState>(StringComparer.Ordinal);
        var options = new ParallelOptions { MaxDegreeOfParallelism = fleet.Rollout.Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(hosts.Where(h => h.Enabled), options, async (host, ct) =>
        {
            var started = time.GetUtcNow();
            var connected = await transports.For(host).ConnectAsync(host, ct);
            RolloutWrite.SaveProbe probed;
            if (connected.Session is { } session)
            {
                await using (session)
                {
                    var revisions = await RevisionReader.ReadAsync(fleet, host, session, ct);
                    probed = new RolloutWrite.SaveProbe(host.Name, started, time.GetUtcNow(), revisions, null);
                }
            }
            else
            {
                probed = new RolloutWrite.SaveProbe(host.Name, started, time.GetUtcNow(), null, HostFailure.Connect(connected.Failure));
            }

            await store.WriteAsync([probed], ct);
            if (await store.GetHostStateAsync(host.Name, ct) is { } state)
            {
                lock (results) results[host.Name] = state;
            }
        });
        return results;
    }
}
