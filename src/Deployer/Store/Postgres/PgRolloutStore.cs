using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>Rollouts, host results and host states in the PostgreSQL store; the twin of <see cref="RolloutStore"/>.</summary>
internal sealed class PgRolloutStore(PgDocuments docs, TimeProvider? time = null) : IRolloutStore
{
    private readonly PgOutboxStore _outbox = new(docs, time ?? TimeProvider.System);

    private const string HostStatesStamp = "host_states";

    private volatile HostStatesSnapshot? _states;

    public int Insert(RolloutRecord rollout) => docs.Write(_ =>
    {
        var id = docs.NextId(StoreCollections.Rollouts);
        docs.Upsert(StoreCollections.Rollouts, Key(id), rollout with { Id = id }, id);
        if (AnnounceEntries.ForRolloutWrite(null, rollout with { Id = id }) is { } announce) _outbox.Insert(announce);
        return id;
    });

    public void Update(RolloutRecord rollout) => docs.Write(_ =>
    {
        // As in RolloutStore: an update never creates a rollout, and the write that ends one also writes its announce entry.
        if (Get(rollout.Id) is not { } before) return;
        docs.Upsert(StoreCollections.Rollouts, Key(rollout.Id), rollout, rollout.Id);
        if (AnnounceEntries.ForRolloutWrite(before, rollout) is { } announce) _outbox.Insert(announce);
    });

    public void SaveHost(HostResult result) => docs.Upsert(StoreCollections.HostResults, result.Id, result, result.RolloutId);

    /// <summary>As <see cref="RolloutStore.SaveHostState"/>: the state and a fresh stamp; the snapshot kept in place when current.</summary>
    public void SaveHostState(HostState state)
    {
        var (before, stamp) = docs.Write(_ =>
        {
            var before = docs.Get<Stamp>(StoreCollections.StoreStamps, HostStatesStamp)?.Value;
            var stamp = Guid.NewGuid().ToString("N");
            docs.Upsert(StoreCollections.HostStates, state.Id, state);
            docs.Upsert(StoreCollections.StoreStamps, HostStatesStamp, new Stamp(stamp));
            return (before, stamp);
        });
        _states = HostStatesSnapshot.After(_states, before, stamp, state);
    }

    public RolloutRecord? Get(int id) => docs.Get<RolloutRecord>(StoreCollections.Rollouts, Key(id));

    public IReadOnlyList<HostResult> GetHosts(int rolloutId) =>
        docs.Find<HostResult>(StoreCollections.HostResults, "num = @r", "id", null, ("r", (long)rolloutId))
            .OrderBy(r => r.Host, StringComparer.Ordinal).ToList();

    public HostResult? GetHost(int rolloutId, string host) => docs.Get<HostResult>(StoreCollections.HostResults, HostResult.MakeId(rolloutId, host));

    public IReadOnlyList<RolloutRecord> Latest(int count) => docs.Find<RolloutRecord>(StoreCollections.Rollouts, null, "num DESC", count);

    public IReadOnlyList<RolloutRecord> WithState(RolloutState state) =>
        docs.Find<RolloutRecord>(StoreCollections.Rollouts, "doc->>'State' = @s", "num", null, ("s", state.ToString()));

    public bool AnyWithState(RolloutState state) => docs.Count(StoreCollections.Rollouts, "doc->>'State' = @s", ("s", state.ToString())) > 0;

    public IReadOnlyList<HostState> GetHostStates()
    {
        var stamp = docs.Get<Stamp>(StoreCollections.StoreStamps, HostStatesStamp)?.Value;
        var cached = _states;
        if (stamp is not null && cached is not null && cached.Stamp == stamp) return cached.States;
        var snapshot = HostStatesSnapshot.Of(stamp, docs.Find<HostState>(StoreCollections.HostStates, orderBy: "id"));
        if (stamp is not null) _states = snapshot;
        return snapshot.States;
    }

    public HostState? GetHostState(string host) => docs.Get<HostState>(StoreCollections.HostStates, host);

    public void Batch(Action work) => docs.Write(_ => work());

    private static string Key(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed record Stamp(string Value);
}
