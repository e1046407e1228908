namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Repo heads, poll health and merges with their deployed flags.</summary>
public interface IRepoStore
{
    Task<RepoState?> GetStateAsync(string repo, CancellationToken cancellationToken);

    Task<IReadOnlyList<RepoState>> GetStatesAsync(CancellationToken cancellationToken);

    Task SaveStateAsync(RepoState state, CancellationToken cancellationToken) => SaveStateAsync(state, null, cancellationToken);

    /// <summary>
    /// Saves <paramref name="state"/> and, when the poll that produced it lost the repo or got it back, the announce
    /// entry of <paramref name="change"/> (<see cref="Outbox.AnnounceEntries.Repo"/>), in one transaction; an entry whose
    /// key is already saved is kept as it is, so one outage is announced once.
    /// </summary>
    Task SaveStateAsync(RepoState state, RepoReachabilityChanged? change, CancellationToken cancellationToken);

    Task<MergeRecorded> RecordMergeAsync(Merge merge, RepoState state, CancellationToken cancellationToken) =>
        RecordMergeAsync(merge, state, null, cancellationToken);

    /// <summary>
    /// Saves <paramref name="merge"/>, its announce entry (<see cref="Outbox.AnnounceEntries.Merge"/>) and the repo state
    /// with its new head, in one transaction; with <paramref name="recovered"/> (the repo was reported unreachable), its
    /// announce entry too, written first so the recovery is told before the merge. When this very move is already the
    /// last merge saved (a crash came after it, before the watcher published it), that merge is returned with
    /// <see cref="MergeRecorded.Created"/> false.
    /// </summary>
    Task<MergeRecorded> RecordMergeAsync(Merge merge, RepoState state, RepoRecovered? recovered, CancellationToken cancellationToken);

    Task<Merge?> GetMergeAsync(int id, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="count"/> merges of a repo, newest first.</summary>
    Task<IReadOnlyList<Merge>> GetLatestMergesAsync(string repo, int count, CancellationToken cancellationToken);

    /// <summary>Pushes and rewrites not yet deployed (of <paramref name="repo"/>, or of every repo when null), oldest first; baselines are never pending.</summary>
    Task<IReadOnlyList<Merge>> GetUndeployedAsync(string? repo, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the undeployed merge of <paramref name="repo"/> whose new head is <paramref name="revision"/> (full or
    /// prefix), and every earlier one, deployed by <paramref name="rolloutId"/>. Returns the pushes and rewrites marked;
    /// empty when no undeployed merge ends at that revision.
    /// </summary>
    Task<IReadOnlyList<Merge>> MarkDeployedAsync(string repo, string revision, int rolloutId, CancellationToken cancellationToken);
}

/// <summary>The stored merge, and whether this call created it.</summary>
public sealed record MergeRecorded(Merge Merge, bool Created);
