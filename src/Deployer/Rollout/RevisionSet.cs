namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>The production head of every repo, pinned when a rollout starts.</summary>
public sealed record RevisionSet(IReadOnlyDictionary<string, string> Revisions)
{
    public string this[string repo] => Revisions[repo];

    /// <summary>True when <paramref name="onHost"/> names <paramref name="head"/> (full hash or a prefix, as <c>hg ident -i</c> prints).</summary>
    public static bool Matches(string? onHost, string? head)
    {
        if (string.IsNullOrEmpty(onHost) || string.IsNullOrEmpty(head)) return false;
        var h = onHost.TrimEnd('+');
        if (h.Length < 7 && h.Length != head.Length) return false;
        return head.StartsWith(h, StringComparison.OrdinalIgnoreCase) || h.StartsWith(head, StringComparison.OrdinalIgnoreCase);
    }

    public static string Short(string? rev) => string.IsNullOrEmpty(rev) ? "?" : rev.Length > 12 ? rev[..12] : rev;
}

/// <summary>What to roll out, to which hosts, on whose behalf; the door (<c>Policy/RolloutDoor</c>) makes it.</summary>
public sealed record RolloutPlan(
    RevisionSet Revisions,
    IReadOnlyList<string> Hosts,
    string StartedBy,
    string Reason,
    bool Forced = false,
    int? ResumedFrom = null)
{
    public RolloutTrigger Trigger { get; init; } = RolloutTrigger.DeployNow;

    public int? RollbackTo { get; init; }

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
