using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// What a request would do: the revision set, per repo what changes (with the commits going out), the hosts in
/// the order they run (canaries first), the hosts left out and why. <c>!deploy plan</c> shows it; a rollout starts from it.
/// </summary>
public sealed record DeployPlan
{
    public RevisionSet Target { get; init; } = new(new Dictionary<string, string>());

    public IReadOnlyList<RepoChange> Changes { get; init; } = [];

    /// <summary>Hosts that would run, canaries first.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    public int CanaryCount { get; init; }

    /// <summary>Targeted hosts that already run the set (left out unless <see cref="RolloutRequest.Again"/>).</summary>
    public IReadOnlyList<string> AlreadyAtSet { get; init; } = [];

    public IReadOnlyList<HostRefusal> Refused { get; init; } = [];

    /// <summary>For a rollback: the rollout whose set this is.</summary>
    public int? RollbackTo { get; init; }

    /// <summary>For a resume: the interrupted rollout.</summary>
    public int? ResumeOf { get; init; }
}

/// <summary>
/// The door's answer to a request: the policy's decision (typed blocker and its one line), the plan (when the
/// target could be worked out) and the rollout it started, if any.
/// </summary>
public sealed record DoorAnswer(RolloutRequest Request, PolicyDecision Decision, DeployPlan? Plan, RolloutRecord? Rollout = null)
{
    public bool Started => Rollout is not null;
}
