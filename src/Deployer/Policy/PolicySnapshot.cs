using ChatOpsReconfig.Deployer.Locks;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>What started the decision: the automatic loop, <c>!deploy now</c> or <c>!deploy now --force</c>.</summary>
public enum TriggerKind
{
    Automatic,

    /// <summary>Skips the quiet window.</summary>
    DeployNow,

    /// <summary>Skips the hold, quiet window, freeze and CI checks; never a running rollout.</summary>
    DeployNowForce,
}

/// <summary>Everything <see cref="DeployPolicy.Decide"/> looks at, gathered at one instant.</summary>
public sealed record PolicySnapshot
{
    public DateTimeOffset Now { get; init; }

    /// <summary>Default quiet window, for repos without their own.</summary>
    public double QuietMinutes { get; init; } = 5;

    public IReadOnlyList<RepoSnapshot> Repos { get; init; } = [];

    /// <summary>Holds on the deploy lock; expired ones are ignored.</summary>
    public IReadOnlyList<Hold> Holds { get; init; } = [];

    /// <summary>Freezes open now (scheduled and ad-hoc), as <see cref="FreezeService.GetOpenAsync"/> lists them.</summary>
    public IReadOnlyList<OpenFreeze> Freezes { get; init; } = [];

    public bool RolloutRunning { get; init; }

    public TriggerKind Trigger { get; init; } = TriggerKind.Automatic;
}

/// <summary>One repo as the policy sees it.</summary>
public sealed record RepoSnapshot
{
    public string Name { get; init; } = "";

    /// <summary>Head of the production branch; null when unknown (the repo is then left out).</summary>
    public string? ProductionHead { get; init; }

    /// <summary>
    /// True when this repo has work for the trigger: for the policy timer, merges no rollout has carried yet and
    /// hosts not running the head; for a manual trigger, targeted hosts not running the set.
    /// </summary>
    public bool Pending { get; init; }

    /// <summary>When the production branch last moved; null when not seen move.</summary>
    public DateTimeOffset? LastPushAt { get; init; }

    /// <summary>This repo's quiet window (<c>repos.NAME.quietMinutes</c>); null uses <see cref="PolicySnapshot.QuietMinutes"/>.</summary>
    public double? QuietMinutes { get; init; }

    /// <summary>CI state of <see cref="ProductionHead"/>; null when the repo has no CI gate.</summary>
    public CiStatus? Ci { get; init; }
}

/// <summary>A freeze that is open: why, until when, and who opened it (null for a scheduled window).</summary>
public sealed record OpenFreeze(string Reason, DateTimeOffset Until, string? By = null);
