namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>What asked for a rollout. Every trigger goes through the one door (<c>Policy/RolloutDoor</c>).</summary>
public enum RolloutTrigger
{
    /// <summary>The policy timer: every check applies.</summary>
    Automatic,

    /// <summary><c>!deploy now</c>: skips the quiet window (and with force: holds, freezes and CI).</summary>
    DeployNow,

    /// <summary>The last hold was released: the policy is asked at once instead of at the next tick.</summary>
    Unlock,

    /// <summary>The unfinished hosts of an interrupted rollout, with its pinned set.</summary>
    Resume,

    /// <summary><c>chatops deploy</c>: like <c>!deploy now</c>, from the command line.</summary>
    Cli,

    /// <summary><c>!rollback</c> / <c>chatops rollback</c>: an earlier rollout's set, backward on purpose.</summary>
    Rollback,
}

/// <summary>A request for a rollout, as it enters the door.</summary>
public sealed record RolloutRequest
{
    public RolloutTrigger Trigger { get; init; }

    /// <summary>Who asked: a chat user, the CLI's OS user, or <see cref="System"/>.</summary>
    public string RequestedBy { get; init; } = System;

    /// <summary>The requester's stable id (chat user id), for the audit of holds a request places.</summary>
    public string? RequestedById { get; init; }

    /// <summary>Skip holds, freezes and CI (admins); nothing else.</summary>
    public bool Force { get; init; }

    /// <summary>Run the steps also on hosts that already run the set (e.g. to reconfigure again).</summary>
    public bool Again { get; init; }

    /// <summary>Only these hosts (names); null for the whole fleet.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }

    /// <summary>For <see cref="RolloutTrigger.Resume"/>: the interrupted rollout.</summary>
    public int? ResumeOf { get; init; }

    /// <summary>For <see cref="RolloutTrigger.Rollback"/>: the rollout whose set to go back to.</summary>
    public int? RollbackTo { get; init; }

    /// <summary>The name the bot acts under when nobody asked.</summary>
    public const string System = "chatops";
}

/// <summary>Why a host is left out of a rollout that goes ahead on the others.</summary>
public enum HostRefusalKind
{
    /// <summary>The set's revision does not descend from the revision the host runs (a commit outside production history, or newer).</summary>
    HostWouldMoveBack,

    /// <summary>The set's revision does not descend from the revision the last rollout carried.</summary>
    SetOlderThanLastRollout,
}

/// <summary>A host the door will not touch, naming the repo and both revisions.</summary>
public sealed record HostRefusal(string Host, string Repo, string HostRevision, string SetRevision, HostRefusalKind Kind);
