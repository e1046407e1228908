using System.Text.Json.Serialization;
using ChatOpsReconfig.Deployer.Rollout;

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
/// Whether a rollout starts now, and why, as data: the first blocking <see cref="Reason"/>, or what is deployed
/// (<see cref="Deploying"/>) and which checks the trigger skipped. The Bot words it (<c>Announcements/PolicyText</c>).
/// </summary>
public sealed record PolicyDecision
{
    public bool Start { get; init; }

    /// <summary>The first blocking reason; <see cref="PolicyBlocker.None"/> when <see cref="Start"/>.</summary>
    public PolicyBlocker Blocker { get; init; }

    /// <summary>Why it does not start (null when <see cref="Start"/>).</summary>
    public PolicyReason? Reason { get; init; }

    /// <summary>When it was decided: "pushed 2 min ago" and "today" are counted from here.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Who asked, as the policy sees it (what it may skip).</summary>
    public TriggerKind Trigger { get; init; }

    /// <summary>Repos whose production head is not deployed.</summary>
    public IReadOnlyList<string> ChangedRepos { get; init; } = [];

    /// <summary>When <see cref="Start"/>: the repos deployed with their new heads, by name.</summary>
    public IReadOnlyList<RepoHead> Deploying { get; init; } = [];

    /// <summary>Checks that would have blocked but the trigger skipped (<c>!deploy now</c>, <c>--force</c>), in check order.</summary>
    public IReadOnlyList<PolicyReason> Skipped { get; init; } = [];

    /// <summary>Set when the request resumes an interrupted rollout.</summary>
    public ResumeNote? Resume { get; init; }
}

/// <summary>A repo and the revision a rollout takes it to.</summary>
public sealed record RepoHead(string Repo, string? Revision);

/// <summary>The interrupted rollout #<paramref name="RolloutId"/> being resumed; <paramref name="Hosts"/> once it restarted on them.</summary>
public sealed record ResumeNote(int RolloutId, int? Hosts = null);

/// <summary>Why a rollout does not start: one record per <see cref="PolicyBlocker"/>, with the facts people need.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$reason")]
[JsonDerivedType(typeof(RolloutRunningWait), "running")]
[JsonDerivedType(typeof(NotReadyWait), "notReady")]
[JsonDerivedType(typeof(TargetUnknown), "targetUnknown")]
[JsonDerivedType(typeof(NoHostsWait), "noHosts")]
[JsonDerivedType(typeof(BackwardWait), "backward")]
[JsonDerivedType(typeof(NothingToDeployWait), "nothing")]
[JsonDerivedType(typeof(HoldWait), "hold")]
[JsonDerivedType(typeof(FreezeWait), "freeze")]
[JsonDerivedType(typeof(QuietWait), "quiet")]
[JsonDerivedType(typeof(CiWait), "ci")]
public abstract record PolicyReason;

/// <summary>A rollout is running; its id, starter and progress when known (the snapshot only knows that one runs).</summary>
public sealed record RolloutRunningWait(int? Id = null, string? StartedBy = null, DateTimeOffset? StartedAt = null, int Done = 0, int Total = 0, int Failed = 0) : PolicyReason;

/// <summary>Start-up: <paramref name="Done"/> of <paramref name="Total"/> repos have had their first poll.</summary>
public sealed record NotReadyWait(int Done, int Total) : PolicyReason;

public enum TargetProblem
{
    /// <summary>No rollout <see cref="TargetUnknown.RolloutId"/> to resume.</summary>
    NoRolloutToResume,

    /// <summary><c>!rollback #N</c> names no rollout with a set.</summary>
    NoSuchRollout,

    NoSucceededRollout,

    /// <summary>Every succeeded rollout before <see cref="TargetUnknown.RolloutId"/> had the same set.</summary>
    NoEarlierSet,

    /// <summary>Production heads could not be read (<see cref="TargetUnknown.Unreadable"/>).</summary>
    HeadsUnreadable,
}

/// <summary>
/// A repo whose head could not be read, with the last failure if any; <paramref name="LegacyError"/> is the same in the
/// words older builds saved (and a repo state saved by them still holds).
/// </summary>
public sealed record UnreadableRepo(string Repo, Repos.RepoFailure? Failure, [property: System.Text.Json.Serialization.JsonPropertyName("error")] string? LegacyError = null);

/// <summary>The set to roll out could not be worked out.</summary>
public sealed record TargetUnknown(TargetProblem Problem, int? RolloutId = null, IReadOnlyList<UnreadableRepo>? Unreadable = null) : PolicyReason;

public enum NoHostsProblem
{
    UnknownHosts,
    NothingToResume,
    NoneEnabled,
}

/// <summary>No host to roll out to; <paramref name="Unknown"/> names hosts asked for that do not exist.</summary>
public sealed record NoHostsWait(NoHostsProblem Problem, IReadOnlyList<string>? Unknown = null) : PolicyReason;

/// <summary>Every targeted host would move backward: the first of them, and how many there are.</summary>
public sealed record BackwardWait(HostRefusal First, int Count) : PolicyReason;

public enum NothingKind
{
    /// <summary>No merge is waiting (what the timer sees).</summary>
    NoMerge,

    /// <summary>Every targeted host already runs the set (<see cref="NothingToDeployWait.AtSet"/> of them).</summary>
    AllAtSet,

    NoHostNeedsSet,
}

public sealed record NothingToDeployWait(NothingKind Kind, int AtSet = 0) : PolicyReason;

/// <summary>The hold that lasts longest (<paramref name="Until"/> null: until released), and how many others there are.</summary>
/// <remarks>
/// <paramref name="RollbackTo"/> and <paramref name="PlacedBy"/>: the hold a rollback placed (<see cref="Locks.Hold.RollbackTo"/>);
/// <paramref name="Commits"/>: the commits that placed a commit hold (<see cref="Locks.Hold.Commits"/>).
/// </remarks>
public sealed record HoldWait(
    string Holder, DateTimeOffset? Until, string Reason, int Others, int? RollbackTo = null, string? PlacedBy = null, IReadOnlyList<Locks.HoldCommit>? Commits = null) : PolicyReason;

public sealed record FreezeWait(string Reason, string? By, DateTimeOffset Until) : PolicyReason;

/// <summary>The repo that will be quiet last: pushed at <paramref name="PushedAt"/>, quiet at <paramref name="QuietAt"/>.</summary>
public sealed record QuietWait(string Repo, DateTimeOffset PushedAt, DateTimeOffset QuietAt) : PolicyReason;

/// <summary>CI is not green for <paramref name="Repo"/> at <paramref name="Revision"/>.</summary>
public sealed record CiWait(string Repo, string? Revision, CiStatus Ci) : PolicyReason;
