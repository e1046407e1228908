using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>
/// A local mirror of one repo's production branch under <c>{dataDir}/mirrors/{repo}</c>, created on first use and
/// recreated when it is found corrupt. Failures are values; only cancellation throws.
/// </summary>
public interface IRepoMirror
{
    /// <summary>Brings the mirror up to date with the remote's production branch and returns the branch head.</summary>
    Task<FetchResult> FetchAsync(CancellationToken cancellationToken);

    /// <summary>Commits reachable from <paramref name="newHead"/> but not from <paramref name="oldHead"/>, oldest first.</summary>
    Task<CommitLog> LogAsync(string oldHead, string newHead, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="ancestor"/> is in the mirror and an ancestor of (or equal to) <paramref name="descendant"/>.</summary>
    Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken cancellationToken);
}

/// <summary>The branch head after a fetch, or why there is none.</summary>
public sealed record FetchResult(string? Head, RepoFailure? Error)
{
    public bool Ok => Head is not null;

    public static FetchResult Success(string head) => new(head, null);

    public static FetchResult Failure(RepoFailure error) => new(null, error);
}

/// <summary>Creates the mirror matching a repo's kind.</summary>
public static class RepoMirror
{
    /// <summary>Local commands (log, ancestry) get this long; fetches get their own timeout.</summary>
    internal static readonly TimeSpan LocalTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The mirror of <paramref name="repoName"/> under <c>{dataDir}/mirrors</c>.</summary>
    public static IRepoMirror Create(string repoName, RepoConfig repo, string dataDir, int maxCommits, TimeSpan fetchTimeout, TimeProvider time)
    {
        var path = MirrorPath(dataDir, repoName);
        return repo.Kind switch
        {
            RepoKind.Hg => new HgMirror(path, repo.Url, repo.Branch, maxCommits, fetchTimeout, time),
            _ => new GitMirror(path, repo.Url, repo.Branch, maxCommits, fetchTimeout, time),
        };
    }

    /// <summary><c>{dataDir}/mirrors/{repoName}</c>; refuses names that would leave the mirrors directory, since a corrupt mirror gets deleted.</summary>
    public static string MirrorPath(string dataDir, string repoName)
    {
        if (repoName is "" or "." or ".." || repoName.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new ArgumentException($"'{repoName}' cannot name a mirror directory", nameof(repoName));
        return Path.Combine(Path.GetFullPath(dataDir), "mirrors", repoName);
    }

    /// <summary>Removes whatever is at <paramref name="path"/> (a corrupt mirror, or a file in its place).</summary>
    internal static void Remove(string path)
    {
        if (File.Exists(path)) File.Delete(path);
        else if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
    }
}
