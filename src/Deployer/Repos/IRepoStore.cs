namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Repo heads, poll health and merges with their deployed flags.</summary>
public interface IRepoStore
{
    RepoState? GetState(string repo);

    IReadOnlyList<RepoState> GetStates();

    void SaveState(RepoState state);

    /// <summary>
    /// Saves <paramref name="merge"/>, its announce entry (<see cref="Outbox.AnnounceEntries.Merge"/>) and the repo state
    /// with its new head, in one transaction. When this very move is already the last merge saved (a crash came after
    /// it, before the watcher published it), that merge is returned with <see cref="MergeRecorded.Created"/> false.
    /// </summary>
    MergeRecorded RecordMerge(Merge merge, RepoState state);

    Merge? GetMerge(int id);

    /// <summary>The last <paramref name="count"/> merges of a repo, newest first.</summary>
    IReadOnlyList<Merge> GetLatestMerges(string repo, int count);

    /// <summary>Pushes and rewrites not yet deployed, oldest first; baselines are never pending.</summary>
    IReadOnlyList<Merge> GetUndeployed(string? repo = null);

    /// <summary>
    /// Marks the undeployed merge of <paramref name="repo"/> whose new head is <paramref name="revision"/> (full or
    /// prefix), and every earlier one, deployed by <paramref name="rolloutId"/>. Returns the pushes and rewrites marked;
    /// empty when no undeployed merge ends at that revision.
    /// </summary>
    IReadOnlyList<Merge> MarkDeployed(string repo, string revision, int rolloutId);
}

/// <summary>The stored merge, and whether this call created it.</summary>
public sealed record MergeRecorded(Merge Merge, bool Created);
