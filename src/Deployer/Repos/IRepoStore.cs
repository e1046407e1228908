namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Repo heads, poll health and merges with their announced and deployed flags.</summary>
public interface IRepoStore
{
    Task<RepoState?> GetStateAsync(string repo, CancellationToken cancellationToken);

    Task<IReadOnlyList<RepoState>> GetStatesAsync(CancellationToken cancellationToken);

    Task SaveStateAsync(RepoState state, CancellationToken cancellationToken);

    /// <summary>
    /// Saves <paramref name="merge"/> (not yet announced) and then the repo state with its new head. When a crash came
    /// between the two last time, the merge already saved is returned with <see cref="MergeRecorded.Created"/> false.
    /// </summary>
    Task<MergeRecorded> RecordMergeAsync(Merge merge, RepoState state, CancellationToken cancellationToken);

    Task<Merge?> GetMergeAsync(int id, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="count"/> merges of a repo, newest first.</summary>
    Task<IReadOnlyList<Merge>> GetLatestMergesAsync(string repo, int count, CancellationToken cancellationToken);

    /// <summary>Merges (of every kind) saved but not yet marked announced, oldest first.</summary>
    Task<IReadOnlyList<Merge>> GetUnannouncedAsync(CancellationToken cancellationToken);

    /// <summary>Pushes and rewrites not yet deployed (of <paramref name="repo"/>, or of every repo when null), oldest first; baselines are never pending.</summary>
    Task<IReadOnlyList<Merge>> GetUndeployedAsync(string? repo, CancellationToken cancellationToken);

    /// <summary>Called once the announcement is out; false when it already was (or no such merge).</summary>
    Task<bool> MarkAnnouncedAsync(int mergeId, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the undeployed merge of <paramref name="repo"/> whose new head is <paramref name="revision"/> (full or
    /// prefix), and every earlier one, deployed by <paramref name="rolloutId"/>. Returns the pushes and rewrites marked;
    /// empty when no undeployed merge ends at that revision.
    /// </summary>
    Task<IReadOnlyList<Merge>> MarkDeployedAsync(string repo, string revision, int rolloutId, CancellationToken cancellationToken);
}

/// <summary>The stored merge, and whether this call created it.</summary>
public sealed record MergeRecorded(Merge Merge, bool Created);
