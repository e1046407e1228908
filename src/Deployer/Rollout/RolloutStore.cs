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

    IReadOnlyList<HostResult> GetHosts(int rolloutId);

    IReadOnlyList<RolloutRecord> Latest(int count);

    IReadOnlyList<RolloutRecord> WithState(RolloutState state);

    IReadOnlyList<HostState> GetHostStates();

    HostState? GetHostState(string host);

    /// <summary>Runs several writes as one unit (one transaction where the store has them); synchronous work only.</summary>
    void Batch(Action work) => work();
}

public sealed class RolloutStore(StoreDatabase db) : IRolloutStore
{
    private ILiteCollection<RolloutRecord> Rollouts => db.Collection<RolloutRecord>("rollouts");

    // EnsureIndex is an operation of its own (in shared mode: open the file, check, close); once per store is enough.
    private int _indexed;

    private ILiteCollection<HostResult> Results
    {
        get
        {
            var c = db.Collection<HostResult>("host_results");
            if (Volatile.Read(ref _indexed) == 0)
            {
                c.EnsureIndex(r => r.RolloutId);
                Volatile.Write(ref _indexed, 1);
            }

            return c;
        }
    }

    private ILiteCollection<HostState> States => db.Collection<HostState>("host_states");

    public int Insert(RolloutRecord rollout) => Rollouts.Insert(rollout).AsInt32;

    public void Update(RolloutRecord rollout) => Rollouts.Update(rollout);

    public void SaveHost(HostResult result) => Results.Upsert(result);

    public void SaveHostState(HostState state) => States.Upsert(state);

    public RolloutRecord? Get(int id) => Rollouts.FindById(id);

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

    public void Batch(Action work) => db.InTransaction(work);
}
