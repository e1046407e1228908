using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Repos;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>LiteDB-backed <see cref="IRepoStore"/>: collections <c>repo_states</c> and <c>merges</c>.</summary>
/// <remarks>LiteDB answers synchronously (its transactions are bound to the thread): every method does its work and returns a completed task.</remarks>
internal sealed class RepoStore : IRepoStore
{
    private readonly StoreDatabase _db;
    private readonly TimeProvider _time;
    private readonly LiteOutboxStore _outbox;

    public RepoStore(StoreDatabase db, TimeProvider time)
    {
        _db = db;
        _time = time;
        _outbox = new LiteOutboxStore(db, time);
    }

    private ILiteCollection<RepoState> States => _db.Collection<RepoState>(StoreCollections.RepoStates);

    private ILiteCollection<Merge> Merges => _db.Collection<Merge>(StoreCollections.Merges);

    public Task<RepoState?> GetStateAsync(string repo, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<RepoState?>(States.FindById(repo));
    }

    public Task<IReadOnlyList<RepoState>> GetStatesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<RepoState>>(States.FindAll().ToList());
    }

    public Task SaveStateAsync(RepoState state, RepoReachabilityChanged? change, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _db.Write(() =>
        {
            if (change is not null) _outbox.Insert(AnnounceEntries.Repo(change));
            States.Upsert(state);
        });
        return Task.CompletedTask;
    }

    // Each read-modify-write is one write: the watcher, the announcer and the rollout do not lose each other's updates.
    public Task<MergeRecorded> RecordMergeAsync(Merge merge, RepoState state, RepoRecovered? recovered, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_db.Write(() =>
        {
            if (recovered is not null) _outbox.Insert(AnnounceEntries.Repo(recovered));
            // The watcher only records moves away from the stored head, so finding this very move already saved means
            // a crash came between saving the merge and saving the head: keep the first copy.
            var last = Merges.Query().Where(m => m.Repo == merge.Repo).OrderByDescending(m => m.Id).FirstOrDefault();
            if (last is not null && last.Kind == merge.Kind && last.OldHead == merge.OldHead && last.NewHead == merge.NewHead)
            {
                States.Upsert(state);
                return new MergeRecorded(last, Created: false);
            }

            var saved = merge with { Id = Merges.Insert(merge).AsInt32 };
            _outbox.Insert(AnnounceEntries.Merge(saved.Id));
            States.Upsert(state);
            return new MergeRecorded(saved, Created: true);
        }));
    }

    public Task<Merge?> GetMergeAsync(int id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<Merge?>(Merges.FindById(id));
    }

    public Task<IReadOnlyList<Merge>> GetLatestMergesAsync(string repo, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<Merge>>(
            Merges.Query().Where(m => m.Repo == repo).OrderByDescending(m => m.Id).Limit(count).ToList());
    }

    public Task<IReadOnlyList<Merge>> GetUndeployedAsync(string? repo, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<Merge>>(
            (repo is null ? Merges.Find(m => m.Deployed == false) : Merges.Find(m => m.Repo == repo && m.Deployed == false))
                .Where(m => m.Kind != MergeKind.Baseline)
                .OrderBy(m => m.Id)
                .ToList());
    }

    public Task<IReadOnlyList<Merge>> MarkDeployedAsync(string repo, string revision, int rolloutId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_db.Write<IReadOnlyList<Merge>>(() =>
        {
            var pending = Merges.Find(m => m.Repo == repo && m.Deployed == false).OrderBy(m => m.Id).ToList();
            var upTo = pending.LastOrDefault(m => RevisionSet.Matches(revision, m.NewHead));
            if (upTo is null) return [];

            var now = _time.GetUtcNow();
            var marked = pending
                .Where(m => m.Id <= upTo.Id)
                .Select(m => m with { Deployed = true, DeployedRolloutId = rolloutId, DeployedAt = now })
                .ToList();
            Merges.Update(marked);
            return marked.Where(m => m.Kind != MergeKind.Baseline).ToList();
        }));
    }
}
