using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Rollout;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>Rollouts, host results and host states in the LiteDB store.</summary>
internal sealed class RolloutStore(StoreDatabase db, TimeProvider? time = null) : IRolloutStore
{
    private readonly LiteOutboxStore _outbox = new(db, time ?? TimeProvider.System);

    /// <summary>The <c>store_stamps</c> document that changes with every host state written (by any writer).</summary>
    private const string HostStatesStamp = "host_states";

    private volatile HostStatesSnapshot? _states;

    private ILiteCollection<RolloutRecord> Rollouts => db.Collection<RolloutRecord>(StoreCollections.Rollouts);

    private ILiteCollection<HostResult> Results => db.Collection<HostResult>(StoreCollections.HostResults);

    private ILiteCollection<HostState> States => db.Collection<HostState>(StoreCollections.HostStates);

    private ILiteCollection<BsonDocument> Stamps => db.Collection<BsonDocument>(StoreCollections.StoreStamps);

    public int Insert(RolloutRecord rollout) => db.Write(() =>
    {
        var id = Rollouts.Insert(rollout).AsInt32;
        if (AnnounceEntries.ForRolloutWrite(null, rollout with { Id = id }) is { } announce) _outbox.Insert(announce);
        return id;
    });

    public void Update(RolloutRecord rollout) => db.Write(() =>
    {
        var before = Rollouts.FindById(rollout.Id);
        if (before is not null && Rollouts.Update(rollout) && AnnounceEntries.ForRolloutWrite(before, rollout) is { } announce) _outbox.Insert(announce);
    });

    public void SaveHost(HostResult result) => db.Write(() => Results.Upsert(result));

    /// <summary>
    /// Saves the state, then a fresh stamp, so every reader that cached the states before sees them change. When this
    /// store's snapshot was current before the write (no other writer in between), the snapshot is updated in place
    /// with the new stamp: a rollout saves a state per host, and re-reading thousands of states for every
    /// <c>!status</c> during it was what made <c>!status</c> slow at 5,000 hosts.
    /// </summary>
    public void SaveHostState(HostState state)
    {
        var (before, stamp) = db.Write(() =>
        {
            var before = Stamps.FindById(HostStatesStamp)?["stamp"];
            var stamp = Guid.NewGuid().ToString("N");
            States.Upsert(state);
            Stamps.Upsert(new BsonDocument { ["_id"] = HostStatesStamp, ["stamp"] = stamp });
            return (before is { IsString: true } ? before.AsString : null, stamp);
        });
        _states = HostStatesSnapshot.After(_states, before, stamp, state);
    }

    public RolloutRecord? Get(int id) => Rollouts.FindById(id);

    // LiteDB returns equal index keys in no set order; callers show these, so the order is by host name.
    public IReadOnlyList<HostResult> GetHosts(int rolloutId) => Results.Find(r => r.RolloutId == rolloutId).OrderBy(r => r.Host, StringComparer.Ordinal).ToList();

    public HostResult? GetHost(int rolloutId, string host) => Results.FindById(HostResult.MakeId(rolloutId, host));

    public IReadOnlyList<RolloutRecord> Latest(int count) =>
        Rollouts.Query().OrderByDescending(r => r.Id).Limit(count).ToList();

    public IReadOnlyList<RolloutRecord> WithState(RolloutState state)
    {
        var name = state.ToString();
        return Rollouts.Find(Query.EQ(nameof(RolloutRecord.State), name)).ToList();
    }

    /// <summary>
    /// Counted on the raw documents: at start-up there is usually nothing to find, and building LiteDB's mapper for
    /// <see cref="RolloutRecord"/> (reflection and compiled expressions, ~90 ms cold) can then wait for the first
    /// rollout, which writes its record while it connects to the hosts.
    /// </summary>
    public bool AnyWithState(RolloutState state) =>
        db.Collection<BsonDocument>(StoreCollections.Rollouts).Exists(Query.EQ(nameof(RolloutRecord.State), state.ToString()));

    /// <summary>
    /// Every host's state. Reading and mapping thousands of documents costs tens of milliseconds, and <c>!status</c>
    /// asks for all of them on every call (and the policy loop every tick), so the list is kept until the stamp that
    /// <see cref="SaveHostState"/> writes after each state changes. The stamp is read before the states: a state
    /// saved meanwhile (through this store, another RolloutStore on the database, or another writer of the file)
    /// comes with a new stamp, so it is never hidden behind a stale list.
    /// </summary>
    public IReadOnlyList<HostState> GetHostStates()
    {
        var stamp = Stamps.FindById(HostStatesStamp)?["stamp"];
        var cached = _states;
        if (stamp is { IsString: true } && cached is not null && cached.Stamp == stamp.AsString) return cached.States;
        var snapshot = HostStatesSnapshot.Of(stamp is { IsString: true } ? stamp.AsString : null, States.FindAll());
        // No stamp: states written by an older build; read them every time until a state is saved.
        if (snapshot.Stamp is not null) _states = snapshot;
        return snapshot.States;
    }

    public HostState? GetHostState(string host) => States.FindById(host);

    public void Batch(Action work) => db.InTransaction(work);
}
