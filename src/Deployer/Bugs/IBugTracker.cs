namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>A bug tracker the bot comments on. Failures are <see cref="BugTrackerException"/>s.</summary>
public interface IBugTracker
{
    /// <summary>The tracker's name in the <c>bugs</c> section.</summary>
    string Name { get; }

    /// <summary>Where people read <paramref name="bug"/>.</summary>
    string BugUrl(int bug);

    /// <summary>Throws <see cref="BugFailure.Missing"/> when the bug does not exist or the bot may not see it.</summary>
    Task EnsureExistsAsync(int bug, CancellationToken cancellationToken);

    /// <summary>The text of the bug's comments made since <paramref name="since"/> (a little earlier is fine).</summary>
    Task<IReadOnlyList<string>> CommentsSinceAsync(int bug, DateTimeOffset since, CancellationToken cancellationToken);

    Task PostCommentAsync(int bug, string text, CancellationToken cancellationToken);
}

public enum BugFailure
{
    /// <summary>Down, slow, rate-limited or refusing the key: try again later.</summary>
    Unavailable,

    /// <summary>The bug does not exist or is not accessible: report once, do not retry.</summary>
    Missing,

    /// <summary>Any other refusal of the request itself (4xx): report once, do not retry.</summary>
    Rejected,
}

/// <summary>A tracker request that failed; <see cref="Problem"/> says how (the message is for logs only).</summary>
public sealed class BugTrackerException(BugFailure failure, TrackerProblem problem, Exception? inner = null) : Exception(problem.ToString(), inner)
{
    public BugFailure Failure { get; } = failure;

    public TrackerProblem Problem { get; } = problem;

    /// <summary>How long the tracker asked us to wait (its Retry-After), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
