using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>Rollouts, host results and host states in the PostgreSQL store; the twin of <see cref="RolloutStore"/>.</summary>
/// <remarks>Synchronous Npgsql underneath, as <see cref="PgDocuments"/> is: every method returns a completed task.</remarks>
internal sealed class PgRolloutStore(PgDocuments docs, TimeProvider? time = null) : IRolloutStore
{
    private readonly PgOutboxStore _outbox = new(docs, time ?? TimeProvider.System);

    private const string HostStatesStamp = "host_states";

    private volatile HostStatesSnapshot? _states;

    public Task<int> InsertAsync(RolloutRecord rollout, IReadOnlyList<HostResult> hosts, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Write(_ =>
        {
            var id = docs.NextId(StoreCollections.Rollouts);
            docs.Upsert(StoreCollections.Rollouts, Key(id), rollout with { Id = id }, id);
            foreach (var h in hosts) SaveHost(h with { Id = HostResult.MakeId(id, h.Host), RolloutId = id });
            if (AnnounceEntries.ForRolloutWrite(null, rollout with { Id = id }) is { } announce) _outbox.Insert(announce);
            return id;
        }));
    }

    /// <summary>As <see cref="RolloutStore.WriteAsync"/>: the writes and, with host states among them, a fresh stamp; the snapshot kept in place when current.</summary>
    public Task WriteAsync(IReadOnlyList<RolloutWrite> writes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var states = new List<HostState>();
        var (before, stamp) = docs.Write(_ =>
        {
            foreach (var write in writes)
            {
                switch (write)
                {
                    case RolloutWrite.UpdateRollout u:
                        // As in RolloutStore: an update never creates a rollout, and the write that ends one also writes its announce entry.
                        if (Get(u.Rollout.Id) is not { } previous) break;
                        docs.Upsert(StoreCollections.Rollouts, Key(u.Rollout.Id), u.Rollout, u.Rollout.Id);
                        if (AnnounceEntries.ForRolloutWrite(previous, u.Rollout) is { } announce) _outbox.Insert(announce);
                        break;
                    case RolloutWrite.SaveHost h:
                        SaveHost(h.Result);
                        break;
                    case RolloutWrite.SaveHostState s:
                        var state = s.KeepStoredRevisions && GetHostState(s.State.Id) is { } stored
                            ? s.State with { Revisions = stored.Revisions, RevisionsAt = stored.RevisionsAt }
                            : s.State;
                        docs.Upsert(StoreCollections.HostStates, state.Id, state);
                        states.Add(state);
                        break;
                    case RolloutWrite.SaveProbe p when p.ApplyTo(GetHostState(p.Host)) is { } probed:
                        docs.Upsert(StoreCollections.HostStates, probed.Id, probed);
                        states.Add(probed);
                        break;
                }
            }

            if (states.Count == 0) return (null, null);
            var before = docs.Get<Stamp>(StoreCollections.StoreStamps, HostStatesStamp)?.Value;
            var stamp = Guid.NewGuid().ToString("N");
            docs.Upsert(StoreCollections.StoreStamps, HostStatesStamp, new Stamp(stamp));
            return (before, (string?)stamp);
        });
        if (stamp is not null) _states = HostStatesSnapshot.After(_states, before, stamp, states);
        return Task.CompletedTask;
    }

    public Task<RolloutRecord?> GetAsync(int id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Get(id));
    }

    public Task<IReadOnlyList<HostResult>> GetHostsAsync(int rolloutId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<HostResult>>(
            docs.Find<HostResult>(StoreCollections.HostResults, "num = @r", "id", null, ("r", (long)rolloutId))
                .OrderBy(r => r.Host, StringComparer.Ordinal).ToList());
    }

    public Task<HostResult?> GetHostAsync(int rolloutId, string host, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Get<HostResult>(StoreCollections.HostResults, HostResult.MakeId(rolloutId, host)));
    }

    public Task<IReadOnlyList<RolloutRecord>> LatestAsync(int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Find<RolloutRecord>(StoreCollections.Rollouts, null, "num DESC", count));
    }

    public Task<IReadOnlyList<RolloutRecord>> WithStateAsync(RolloutState state, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Find<RolloutRecord>(StoreCollections.Rollouts, "doc->>'State' = @s", "num", null, ("s", state.ToString())));
    }

    public Task<bool> AnyWithStateAsync(RolloutState state, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Count(StoreCollections.Rollouts, "doc->>'State' = @s", ("s", state.ToString())) > 0);
    }

    public Task<IReadOnlyList<HostState>> GetHostStatesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var stamp = docs.Get<Stamp>(StoreCollections.StoreStamps, HostStatesStamp)?.Value;
        var cached = _states;
        if (stamp is not null && cached is not null && cached.Stamp == stamp) return Task.FromResult<IReadOnlyList<HostState>>(cached.States);
        var snapshot = HostStatesSnapshot.Of(stamp, docs.Find<HostState>(StoreCollections.HostStates, orderBy: "id"));
        if (stamp is not null) _states = snapshot;
        return Task.FromResult<IReadOnlyList<HostState>>(snapshot.States);
    }

    public Task<HostState?> GetHostStateAsync(string host, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(GetHostState(host));
    }

    private RolloutRecord? Get(int id) => docs.Get<RolloutRecord>(StoreCollections.Rollouts, Key(id));

    private HostState? GetHostState(string host) => docs.Get<HostState>(StoreCollections.HostStates, host);

    private void SaveHost(HostResult result) => docs.Upsert(StoreCollections.HostResults, result.Id, result, result.RolloutId);

    private static string Key(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed record Stamp(string Value);
}
