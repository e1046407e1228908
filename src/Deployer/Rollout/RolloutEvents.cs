using ChatOpsReconfig.Deployer.Events;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>A rollout was saved and starts (a rollout announced late comes as a replayed <see cref="RolloutFinished"/> instead).</summary>
public sealed record RolloutStarted(RolloutRecord Rollout) : DeployerEvent;

public sealed record HostStarted(int RolloutId, string Host) : DeployerEvent;

public sealed record HostStepFinished(int RolloutId, string Host, StepResult Step) : DeployerEvent;

/// <summary>A host finished; <paramref name="Done"/> of <paramref name="Total"/> are finished, <paramref name="Failed"/> of them not ok.</summary>
/// <param name="RolloutId">The rollout.</param>
/// <param name="Result">The host's result.</param>
/// <param name="Done">Hosts finished so far, whatever their outcome (of <paramref name="Total"/>).</param>
/// <param name="Total">Hosts in the rollout.</param>
/// <param name="Failed">Of those, failed or unreachable.</param>
/// <param name="NotStarted">Of those, never started (a failed canary, a cancel): "3/3 done" must not hide them.</param>
public sealed record HostFinished(int RolloutId, HostResult Result, int Done, int Total, int Failed, int NotStarted = 0) : DeployerEvent;

/// <summary>A rollout ended; <paramref name="Replayed"/> when announced late (at start-up), its start message not yet said.</summary>
public sealed record RolloutFinished(RolloutRecord Rollout, IReadOnlyList<HostResult> Results, bool Replayed = false) : DeployerEvent;

/// <summary>At start-up, a rollout found still <c>running</c> was marked interrupted.</summary>
public sealed record RolloutInterrupted(RolloutRecord Rollout, IReadOnlyList<string> UnfinishedHosts) : DeployerEvent;
