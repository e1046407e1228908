using ChatOpsReconfig.Deployer.Events;

namespace ChatOpsReconfig.Deployer.Policy;

public enum LagLevel
{
    Warning,
    Critical,
}

/// <summary>A host still not at a production head this long after the merge; raised once per host, head and level.</summary>
public sealed record LagAlarm(string Host, string Repo, string Head, LagLevel Level, TimeSpan Behind, DateTimeOffset MergedAt, LagCause Why) : DeployerEvent;

/// <summary>Why a host lags, as data (the Bot words it).</summary>
public abstract record LagCause;

/// <summary>Updated but not reconfigured: rollout #<paramref name="RolloutId"/> stopped at <paramref name="Step"/>.</summary>
public sealed record StoppedPartway(int? RolloutId, string? Step) : LagCause;

/// <summary>Rollout #<paramref name="RolloutId"/> failed on the host at <paramref name="Step"/>; <paramref name="LegacyError"/> is what an older build stored instead of a <paramref name="Failure"/>.</summary>
public sealed record LastRolloutFailed(int? RolloutId, string? Step, Rollout.HostFailure? Failure, string? LegacyError = null) : LagCause;

/// <summary>The host's last rollout or probe could not reach it.</summary>
public sealed record HostUnreachable(Rollout.HostFailure? Failure, string? LegacyError = null) : LagCause;

/// <summary>The holds active at <paramref name="At"/> keep it back.</summary>
public sealed record HeldByLock(IReadOnlyList<Locks.Hold> Holds, DateTimeOffset At) : LagCause;

/// <summary>The policy's latest answer keeps it back.</summary>
public sealed record PolicyWaits(PolicyDecision Decision) : LagCause;

/// <summary>The policy's one-line answer changed (e.g. from "waiting: quiet in 3 min" to "deploying now").</summary>
public sealed record PolicyChanged(PolicyDecision Decision) : DeployerEvent;
