using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Rollout;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>Rollouts, host results and host states in the LiteDB store.</summary>
/// <remarks>LiteDB answers synchronously (its transactions are bound to the thread): every method does its work and returns a completed task.</remarks>
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

    public Task<int> InsertAsync(RolloutRecord rollout, IReadOnlyList<HostResult> hosts, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(db.Write(() =>
        {
            var id = Rollouts.Insert(rollout).AsInt32;
            foreach (var h in hosts) Results.Upsert(h with { Id = HostResult.MakeId(id, h.Host), RolloutId = id });
            if (AnnounceEntries.ForRolloutWrite(null, rollout with { Id = id }) is { } announce) _outbox.Insert(announce);
            return id;
        }));
    }

    /// <summary>
    /// Applies the writes in one transaction; with host states among them, a fresh stamp too, so every reader that
    /// cached the states before sees them change. When this store's snapshot was current before the write (no other
    /// writer in between), the snapshot is updated in place with the new stamp once committed: a rollout saves a state
    /// per host, and re-reading thousands of states for every <c>!status</c> during it was what made <c>!status</c>
    /// slow at 5,000 hosts.
    /// </summary>
    public Task WriteAsync(IReadOnlyList<RolloutWrite> writes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var states = new List<HostState>();
        var (before, stamp) = db.Write(() =>
        {
            foreach (var write in writes)
            {
                switch (write)
                {
                    case RolloutWrite.UpdateRollout u:
                        var stored = Rollouts.FindById(u.Rollout.Id);
                        if (stored is not null && Rollouts.Update(u.Rollout) && AnnounceEntries.ForRolloutWrite(stored, u.Rollout) is { } announce) _outbox.Insert(announce);
                        break;
                    case RolloutWrite.SaveHost h:
                        Results.Upsert(h.Result);
                        break;
                    case RolloutWrite.SaveHostState s:
                        var state = s.KeepStoredRevisions && States.FindById(s.State.Id) is { } kept
                            ? s.State with { Revisions = kept.Revisions, RevisionsAt = kept.RevisionsAt }
                            : s.State;
                        States.Upsert(state);
                        states.Add(state);
                        break;
                    case RolloutWrite.SaveProbe p when p.ApplyTo(States.FindById(p.Host)) is { } probed:
                        States.Upsert(probed);
                        states.Add(probed);
                        break;
                }
            }

            if (states.Count == 0) return (null, null);
            var before = Stamps.FindById(HostStatesStamp)?["stamp"];
            var stamp = Guid.NewGuid().ToString("N");
            Stamps.Upsert(new BsonDocument { ["_id"] = HostStatesStamp, ["stamp"] = stamp });
            return (before is { IsString: true } ? before.AsString : null, (string?)stamp);
        });
        if (stamp is not null) _states = HostStatesSnapshot.After(_states, before, stamp, states);
        return Task.CompletedTask;
    }

    public Task<RolloutRecord?> GetAsync(int id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<RolloutRecord?>(Rollouts.FindById(id));
    }

    // LiteDB returns equal index keys in no set order; callers show these, so the order is by host name.
    public Task<IReadOnlyList<HostResult>> GetHostsAsync(int rolloutId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<HostResult>>(
            Results.Find(r => r.RolloutId == rolloutId).OrderBy(r => r.Host, StringComparer.Ordinal).ToList());
    }

    public Task<HostResult?> GetHostAsync(int rolloutId, string host, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<HostResult?>(Results.FindById(HostResult.MakeId(rolloutId, host)));
    }

    public Task<IReadOnlyList<RolloutRecord>> LatestAsync(int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<RolloutRecord>>(Rollouts.Query().OrderByDescending(r => r.Id).Limit(count).ToList());
    }

    public Task<IReadOnlyList<RolloutRecord>> WithStateAsync(RolloutState state, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<RolloutRecord>>(Rollouts.Find(Query.EQ(nameof(RolloutRecord.State), state.ToString())).ToList());
    }

    /// <summary>
    /// Counted on the raw documents: at start-up there is usually nothing to find, and building LiteDB's mapper for
    /// <see cref="RolloutRecord"/> (reflection and compiled expressions, ~90 ms cold) can then wait for the first
    /// rollout, which writes its record while it connects to the hosts.
    /// </summary>
    public Task<bool> AnyWithStateAsync(RolloutState state, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(db.Collection<BsonDocument>(StoreCollections.Rollouts).Exists(Query.EQ(nameof(RolloutRecord.State), state.ToString())));
    }

    /// <summary>
    /// Every host's state. Reading and mapping thousands of documents costs tens of milliseconds, and <c>!status</c>
    /// asks for all of them on every call (and the policy loop every tick), so the list is kept until the stamp that
    /// <see cref="WriteAsync"/> writes with each state changes. The stamp is read before the states: a state saved
    /// meanwhile (through this store, another RolloutStore on the database, or another writer of the file) comes with
    /// a new stamp, so it is never hidden behind a stale list.
    /// </summary>
    public Task<IReadOnlyList<HostState>> GetHostStatesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var stamp = Stamps.FindById(HostStatesStamp)?["stamp"];
        var cached = _states;
        if (stamp is { IsString: true } && cached is not null && cached.Stamp == stamp.AsString) return Task.FromResult<IReadOnlyList<HostState>>(cached.States);
        var snapshot = HostStatesSnapshot.Of(stamp is { IsString: true } ? stamp.AsString : null, States.FindAll());
        // No stamp: states written by an older build; read them every time until a state is saved.
        if (snapshot.Stamp is not null) _states = snapshot;
        return Task.FromResult<IReadOnlyList<HostState>>(snapshot.States);
    }

    public Task<HostState?> GetHostStateAsync(string host, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<HostState?>(States.FindById(host));
    }
}
