using ChatOpsReconfig.Deployer.Store;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>Rollouts, their host results and the last known state of every host.</summary>
public interface IRolloutStore
{
    int Insert(RolloutRecord rollout);

    void Update(RolloutRecord rollout);

    void SaveHost(HostResult result);

    void SaveHostState(HostState state);

    RolloutRecord? Get(int id);

    void MarkAnnounced(int id);

    IReadOnlyList<HostResult> GetHosts(int rolloutId);

    IReadOnlyList<RolloutRecord> Latest(int count);

    IReadOnlyList<RolloutRecord> WithState(RolloutState state);

    IReadOnlyList<HostState> GetHostStates();

    HostState? GetHostState(string host);
}

public sealed class RolloutStore(StoreDatabase db) : IRolloutStore
{
    private ILiteCollection<RolloutRecord> Rollouts => db.Collection<RolloutRecord>("rollouts");

    private ILiteCollection<HostResult> Results
    {
        get
        {
            var c = db.Collection<HostResult>("host_results");
            c.EnsureIndex(r => r.RolloutId);
            return c;
        }
    }

    private ILiteCollection<HostState> States => db.Collection<HostState>("host_states");

    public int Insert(RolloutRecord rollout) => Rollouts.Insert(rollout).AsInt32;

    public void Update(RolloutRecord rollout) => Rollouts.Update(rollout);

    public void SaveHost(HostResult result) => Results.Upsert(result);

    public void SaveHostState(HostState state) => States.Upsert(state);

    public RolloutRecord? Get(int id) => Rollouts.FindById(id);

    public void MarkAnnounced(int id)
    {
        if (Rollouts.FindById(id) is { } r) Rollouts.Update(r with { Announced = true });
    }

    public IReadOnlyList<HostResult> GetHosts(int rolloutId) => Results.Find(r => r.RolloutId == rolloutId).ToList();

    public IReadOnlyList<RolloutRecord> Latest(int count) =>
        Rollouts.Query().OrderByDescending(r => r.Id).Limit(count).ToList();

    public IReadOnlyList<RolloutRecord> WithState(RolloutState state)
    {
        var name = state.ToString();
        return Rollouts.Find(Query.EQ(nameof(RolloutRecord.State), name)).ToList();
    }

    public IReadOnlyList<HostState> GetHostStates() => States.FindAll().ToList();

    public HostState? GetHostState(string host) => States.FindById(host);
}
