namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>How a production branch moved.</summary>
public enum MergeKind
{
    /// <summary>New commits on top of the previous head.</summary>
    Push,

    /// <summary>The previous head is no longer an ancestor (force-push, strip): the new head is the new baseline.</summary>
    Rewrite,

    /// <summary>The first head ever seen for this repo and branch ("watching X at REV"); nothing to deploy.</summary>
    Baseline,
}

/// <summary>
/// A batch of new commits seen on a production branch, saved (with its announce entry in the outbox) before it is
/// announced. The rollout marks it deployed.
/// </summary>
public sealed record Merge
{
    public int Id { get; init; }

    public string Repo { get; init; } = "";

    public string Branch { get; init; } = "";

    public MergeKind Kind { get; init; }

    /// <summary>The head before this change; null for a baseline.</summary>
    public string? OldHead { get; init; }

    public string NewHead { get; init; } = "";

    /// <summary>
    /// The new commits, oldest first: for a push those between the old and the new head, for a rewrite those of the
    /// new head that the old one lacked. Capped; <see cref="TotalCommits"/> says how many there were.
    /// </summary>
    public List<Commit> Commits { get; init; } = [];

    /// <summary>How many new commits there were; more than <see cref="Commits"/> holds when the list was capped (the newest are kept).</summary>
    public int TotalCommits { get; init; }

    /// <summary>Bug numbers named by the commits, in order of first mention, without repeats.</summary>
    public List<int> Bugs { get; init; } = [];

    public DateTimeOffset DetectedAt { get; init; }

    public bool Deployed { get; init; }

    public int? DeployedRolloutId { get; init; }

    public DateTimeOffset? DeployedAt { get; init; }
}

/// <summary>One commit of a merge. <see cref="Message"/> is verbatim: rendering it harmlessly is the reader's job.</summary>
public sealed record Commit
{
    /// <summary>Full revision (40 hex digits; 64 for SHA-256 git repos).</summary>
    public string Rev { get; init; } = "";

    public string Author { get; init; } = "";

    public string AuthorEmail { get; init; } = "";

    public DateTimeOffset AuthoredAt { get; init; }

    /// <summary>The first line of the message.</summary>
    public string Summary { get; init; } = "";

    /// <summary>The whole message as committed, less trailing newlines.</summary>
    public string Message { get; init; } = "";

    public List<int> Bugs { get; init; } = [];
}
