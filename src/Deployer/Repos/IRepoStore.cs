namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Repo heads, poll health and merges with their announced and deployed flags.</summary>
public interface IRepoStore
{
    RepoState? GetState(string repo);

    IReadOnlyList<RepoState> GetStates();

    void SaveState(RepoState state);

    /// <summary>
    /// Saves <paramref name="merge"/> (not yet announced) and then the repo state with its new head. When a crash came
    /// between the two last time, the merge already saved is returned with <see cref="MergeRecorded.Created"/> false.
    /// </summary>
    MergeRecorded RecordMerge(Merge merge, RepoState state);

    Merge? GetMerge(int id);

    /// <summary>The last <paramref name="count"/> merges of a repo, newest first.</summary>
    IReadOnlyList<Merge> GetLatestMerges(string repo, int count);

    /// <summary>Merges (of every kind) saved but not yet marked announced, oldest first.</summary>
    IReadOnlyList<Merge> GetUnannounced();

    /// <summary>Pushes and rewrites not yet deployed, oldest first; baselines are never pending.</summary>
    IReadOnlyList<Merge> GetUndeployed(string? repo = null);

    /// <summary>Called once the announcement is out; false when it already was (or no such merge).</summary>
    bool MarkAnnounced(int mergeId);

    /// <summary>
    /// Marks the undeployed merge of <paramref name="repo"/> whose new head is <paramref name="revision"/> (full or
    /// prefix), and every earlier one, deployed by <paramref name="rolloutId"/>. Returns the pushes and rewrites marked;
    /// empty when no undeployed merge ends at that revision.
    /// </summary>
    IReadOnlyList<Merge> MarkDeployed(string repo, string revision, int rolloutId);
}

/// <summary>The stored merge, and whether this call created it.</summary>
public sealed record MergeRecorded(Merge Merge, bool Created);
