using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>A real store with one behaviour changed: tests override the member they fault or count.</summary>
public abstract class DelegatingRolloutStore(IRolloutStore inner) : IRolloutStore
{
    public virtual Task<int> InsertAsync(RolloutRecord rollout, IReadOnlyList<HostResult> hosts, CancellationToken cancellationToken) =>
        inner.InsertAsync(rollout, hosts, cancellationToken);

    public virtual Task WriteAsync(IReadOnlyList<RolloutWrite> writes, CancellationToken cancellationToken) => inner.WriteAsync(writes, cancellationToken);

    public virtual Task<RolloutRecord?> GetAsync(int id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

    public virtual Task<IReadOnlyList<HostResult>> GetHostsAsync(int rolloutId, CancellationToken cancellationToken) => inner.GetHostsAsync(rolloutId, cancellationToken);

    public virtual Task<HostResult?> GetHostAsync(int rolloutId, string host, CancellationToken cancellationToken) => inner.GetHostAsync(rolloutId, host, cancellationToken);

    public virtual Task<IReadOnlyList<RolloutRecord>> LatestAsync(int count, CancellationToken cancellationToken) => inner.LatestAsync(count, cancellationToken);

    public virtual Task<IReadOnlyList<RolloutRecord>> WithStateAsync(RolloutState state, CancellationToken cancellationToken) => inner.WithStateAsync(state, cancellationToken);

    public virtual Task<bool> AnyWithStateAsync(RolloutState state, CancellationToken cancellationToken) => inner.AnyWithStateAsync(state, cancellationToken);

    public virtual Task<IReadOnlyList<HostState>> GetHostStatesAsync(CancellationToken cancellationToken) => inner.GetHostStatesAsync(cancellationToken);

    public virtual Task<HostState?> GetHostStateAsync(string host, CancellationToken cancellationToken) => inner.GetHostStateAsync(host, cancellationToken);
}
