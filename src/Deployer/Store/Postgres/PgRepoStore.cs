using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>Repo states and merges in the PostgreSQL store; the twin of <see cref="RepoStore"/>.</summary>
internal sealed class PgRepoStore(PgDocuments docs, TimeProvider time) : IRepoStore
{
    private const string OfRepo = "doc->>'Repo' = @repo";
    private const string NotDeployed = "(doc->>'Deployed')::boolean = false";

    private readonly PgOutboxStore _outbox = new(docs, time);

    public RepoState? GetState(string repo) => docs.Get<RepoState>(StoreCollections.RepoStates, repo);

    public IReadOnlyList<RepoState> GetStates() => docs.Find<RepoState>(StoreCollections.RepoStates, orderBy: "id");

    public void SaveState(RepoState state) => docs.Upsert(StoreCollections.RepoStates, state.Id, state);

    public MergeRecorded RecordMerge(Merge merge, RepoState state) => docs.Write(_ =>
    {
        // As in RepoStore: this very move already saved means a crash came between the merge and the head.
        var last = GetLatestMerges(merge.Repo, 1).FirstOrDefault();
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
    });

    public Merge? GetMerge(int id) => docs.Get<Merge>(StoreCollections.Merges, Key(id));

    public IReadOnlyList<Merge> GetLatestMerges(string repo, int count) =>
        docs.Find<Merge>(StoreCollections.Merges, OfRepo, "num DESC", count, ("repo", repo));

    public IReadOnlyList<Merge> GetUndeployed(string? repo = null) =>
        (repo is null
            ? docs.Find<Merge>(StoreCollections.Merges, NotDeployed)
            : docs.Find<Merge>(StoreCollections.Merges, $"{OfRepo} AND {NotDeployed}", "num", null, ("repo", repo)))
        .Where(m => m.Kind != MergeKind.Baseline)
        .ToList();

    public IReadOnlyList<Merge> MarkDeployed(string repo, string revision, int rolloutId) => docs.Write(_ =>
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
    });

    private void Save(Merge merge) => docs.Upsert(StoreCollections.Merges, Key(merge.Id), merge, merge.Id);

    private static string Key(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
