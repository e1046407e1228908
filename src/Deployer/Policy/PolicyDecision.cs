namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>What keeps a rollout from starting, in the order <see cref="DeployPolicy"/> checks.</summary>
public enum PolicyBlocker
{
    None,

    /// <summary>Start-up: not every repo has had its first poll, so the heads may be stale.</summary>
    NotReady,

    /// <summary>A production head (or the set asked for) could not be read.</summary>
    HeadsUnknown,

    /// <summary>No enabled host matches the request.</summary>
    NoHosts,

    /// <summary>Every targeted host would move backward (refused by ancestry).</summary>
    Backward,
    RolloutRunning,
    NothingToDeploy,
    Hold,
    Freeze,
    Quiet,
    CiFailed,
    CiUnknown,
    CiPending,
}

/// <summary>
/// Whether a rollout starts now, and one line for people: the first blocking reason (<c>waiting: …</c> or
/// <c>nothing to deploy: …</c>), or what is deployed and which checks the trigger skipped.
/// </summary>
public sealed record PolicyDecision
{
    public bool Start { get; init; }

    /// <summary>The first blocking reason; <see cref="PolicyBlocker.None"/> when <see cref="Start"/>.</summary>
    public PolicyBlocker Blocker { get; init; }

    public string Line { get; init; } = "";

    /// <summary>Repos whose production head is not deployed.</summary>
    public IReadOnlyList<string> ChangedRepos { get; init; } = [];

    /// <summary>Checks that would have blocked but the trigger skipped (<c>!deploy now</c>, <c>--force</c>).</summary>
    public IReadOnlyList<PolicyBlocker> Skipped { get; init; } = [];
}
