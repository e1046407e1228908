using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>Repo states and merges in the PostgreSQL store; the twin of <see cref="RepoStore"/>.</summary>
/// <remarks>Synchronous Npgsql underneath, as <see cref="PgDocuments"/> is: every method returns a completed task.</remarks>
internal sealed class PgRepoStore(PgDocuments docs, TimeProvider time) : IRepoStore
{
    private const string OfRepo = "doc->>'Repo' = @repo";
    private const string NotDeployed = "(doc->>'Deployed')::boolean = false";

    private readonly PgOutboxStore _outbox = new(docs, time);

    public Task<RepoState?> GetStateAsync(string repo, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Get<RepoState>(StoreCollections.RepoStates, repo));
    }

    public Task<IReadOnlyList<RepoState>> GetStatesAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Find<RepoState>(StoreCollections.RepoStates, orderBy: "id"));
    }

    public Task SaveStateAsync(RepoState state, RepoReachabilityChanged? change, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        docs.Write(_ =>
        {
            if (change is not null) _outbox.Insert(AnnounceEntries.Repo(change));
            SaveState(state);
        });
        return Task.CompletedTask;
    }

    public Task<MergeRecorded> RecordMergeAsync(Merge merge, RepoState state, RepoRecovered? recovered, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Write(_ =>
        {
            if (recovered is not null) _outbox.Insert(AnnounceEntries.Repo(recovered));
            // As in RepoStore: this very move already saved means a crash came between the merge and the head.
            var last = LatestMerges(merge.Repo, 1).FirstOrDefault();
            if (last is not null && last.Kind == merge.Kind && last.OldHead == merge.OldHead && last.NewHead == merge.NewHead)
            {
                SaveState(state);
                return new MergeRecorded(last, Created: false);
            }

            var saved = merge with { Id = docs.NextId(StoreCollections.Merges) };
            Save(saved);
            _outbox.Insert(AnnounceEntries.Merge(saved.Id));
            SaveState(state);
            return new MergeRecorded(saved, Created: true);
        }));
    }

    public Task<Merge?> GetMergeAsync(int id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(GetMerge(id));
    }

    public Task<IReadOnlyList<Merge>> GetLatestMergesAsync(string repo, int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(LatestMerges(repo, count));
    }

    public Task<IReadOnlyList<Merge>> GetUndeployedAsync(string? repo, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<Merge>>(
            (repo is null
                ? docs.Find<Merge>(StoreCollections.Merges, NotDeployed)
                : docs.Find<Merge>(StoreCollections.Merges, $"{OfRepo} AND {NotDeployed}", "num", null, ("repo", repo)))
            .Where(m => m.Kind != MergeKind.Baseline)
            .ToList());
    }

    public Task<IReadOnlyList<Merge>> MarkDeployedAsync(string repo, string revision, int rolloutId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Write(_ =>
        {
            var pending = docs.Find<Merge>(StoreCollections.Merges, $"{OfRepo} AND {NotDeployed}", "num", null, ("repo", repo));
            var upTo = pending.LastOrDefault(m => RevisionSet.Matches(revision, m.NewHead));
            if (upTo is null) return (IReadOnlyList<Merge>)[];

            var now = time.GetUtcNow();
            var marked = pending
                .Where(m => m.Id <= upTo.Id)
                .Select(m => m with { Deployed = true, DeployedRolloutId = rolloutId, DeployedAt = now })
                .ToList();
            foreach (var m in marked) Save(m);
            return marked.Where(m => m.Kind != MergeKind.Baseline).ToList();
        }));
    }

    private Merge? GetMerge(int id) => docs.Get<Merge>(StoreCollections.Merges, Key(id));

    private IReadOnlyList<Merge> LatestMerges(string repo, int count) =>
        docs.Find<Merge>(StoreCollections.Merges, OfRepo, "num DESC", count, ("repo", repo));

    private void SaveState(RepoState state) => docs.Upsert(StoreCollections.RepoStates, state.Id, state);

    private void Save(Merge merge) => docs.Upsert(StoreCollections.Merges, Key(merge.Id), merge, merge.Id);

    private static string Key(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
