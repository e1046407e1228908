using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>A real store with one behaviour changed: tests override the member they fault or count.</summary>
public abstract class DelegatingRolloutStore(IRolloutStore inner) : IRolloutStore
{
    public virtual int Insert(RolloutRecord rollout) => inner.Insert(rollout);

    public virtual void Update(RolloutRecord rollout) => inner.Update(rollout);

    public virtual void SaveHost(HostResult result) => inner.SaveHost(result);

    public virtual void SaveHostState(HostState state) => inner.SaveHostState(state);

    public virtual RolloutRecord? Get(int id) => inner.Get(id);

    public virtual IReadOnlyList<HostResult> GetHosts(int rolloutId) => inner.GetHosts(rolloutId);

    public virtual IReadOnlyList<RolloutRecord> Latest(int count) => inner.Latest(count);

    public virtual IReadOnlyList<RolloutRecord> WithState(RolloutState state) => inner.WithState(state);

    public virtual IReadOnlyList<HostState> GetHostStates() => inner.GetHostStates();

    public virtual HostState? GetHostState(string host) => inner.GetHostState(host);

    public virtual void Batch(Action work) => inner.Batch(work);
}
