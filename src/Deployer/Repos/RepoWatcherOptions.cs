namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Tuning of <see cref="RepoWatcher"/>; every repo may override the poll interval with <c>pollSeconds</c>.</summary>
public sealed record RepoWatcherOptions
{
    public int PollSeconds { get; init; } = 60;

    /// <summary>Each wait is shortened by up to this fraction, so repos do not poll in lockstep.</summary>
    public double Jitter { get; init; } = 0.1;

    /// <summary>While a remote fails, the wait doubles per failure up to this.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(15);

    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Consecutive failed polls before <see cref="RepoUnreachable"/> is published; one blip says nothing.</summary>
    public int UnreachableAfterFailures { get; init; } = 2;

    /// <summary>Commits kept per merge (the newest); <see cref="Merge.TotalCommits"/> still counts them all.</summary>
    public int MaxCommitsPerMerge { get; init; } = 5000;

    /// <summary>Used for repos without <c>bugPattern</c>.</summary>
    public string BugPattern { get; init; } = BugReferences.DefaultPattern;
}
