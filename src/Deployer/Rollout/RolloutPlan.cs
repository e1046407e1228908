using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>What to roll out, to which hosts, on whose behalf; the door (<c>Policy/RolloutDoor</c>) makes it.</summary>
public sealed record RolloutPlan(
    RevisionSet Revisions,
    IReadOnlyList<string> Hosts,
    string StartedBy,
    bool Forced = false,
    int? ResumedFrom = null)
{
    public RolloutTrigger Trigger { get; init; } = RolloutTrigger.DeployNow;

    public int? RollbackTo { get; init; }

    /// <summary>Asked with <c>--again</c>.</summary>
    public bool Again { get; init; }

    /// <summary>Automatic rollouts: the repos whose new heads it deploys.</summary>
    public IReadOnlyList<string> Deploying { get; init; } = [];

    /// <summary>Per repo: what the set changes, with the commits going out (saved with the rollout).</summary>
    public IReadOnlyList<RepoChange> Changes { get; init; } = [];

    /// <summary>Hosts the door left out because they would move backward (saved and announced with the rollout).</summary>
    public IReadOnlyList<HostRefusal> Refused { get; init; } = [];
}

/// <summary>One repo of a rollout's set: from the last set rolled out to this one, and the commits in between.</summary>
public sealed record RepoChange
{
    public string Repo { get; init; } = "";

    /// <summary>The revision the last rollout carried; null when none did.</summary>
    public string? From { get; init; }

    public string To { get; init; } = "";

    public bool Unchanged => From is not null && RevisionSet.Matches(From, To);

    /// <summary>The commits between <see cref="From"/> and <see cref="To"/> that the bot saw land, oldest first.</summary>
    public List<ChangeCommit> Commits { get; init; } = [];

    /// <summary>How many commits there were; more than <see cref="Commits"/> holds when capped.</summary>
    public int TotalCommits { get; init; }
}

/// <summary>A commit going out, as rollouts keep it (bug comments and the maintenance log read these).</summary>
public sealed record ChangeCommit
{
    public string Rev { get; init; } = "";

    public string Author { get; init; } = "";

    public string Summary { get; init; } = "";

    public List<int> Bugs { get; init; } = [];
}
