using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Status;

/// <summary>Asks hosts, in parallel, which revisions they run, and records the answers as their latest state.</summary>
public sealed class LiveProbe(FleetConfig fleet, IHostTransportFactory transports, IRolloutStore store, TimeProvider time)
{
    public async Task<IReadOnlyDictionary<string, HostState>> ProbeAsync(IEnumerable<HostConfig> hosts, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, HostState>(StringComparer.Ordinal);
        var options = new ParallelOptions { MaxDegreeOfParallelism = fleet.Rollout.Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(hosts.Where(h => h.Enabled), options, async (host, ct) =>
        {
            var previous = await store.GetHostStateAsync(host.Name, ct) ?? new HostState { Id = host.Name };
            var connected = await transports.For(host).ConnectAsync(host, ct);
            HostState state;
            if (connected.Session is { } session)
            {
                await using (session)
                {
                    var revisions = await RevisionReader.ReadAsync(fleet, host, session, ct);
                    state = previous with { Revisions = revisions, RevisionsAt = time.GetUtcNow() };
                    if (previous.LastOutcome == HostOutcome.Unreachable) state = state with { LastOutcome = HostOutcome.Pending, LastFailure = null, LegacyLastError = null };
                }
            }
            else
            {
                state = previous with { LastOutcome = HostOutcome.Unreachable, LastFailure = HostFailure.Connect(connected.Failure) };
            }

            await store.SaveHostStateAsync(state, ct);
            lock (results) results[host.Name] = state;
        });
        return results;
    }
}
