using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Events;

/// <summary>Something the bot may want to tell people about. Raised only after the store has it.</summary>
public abstract record DeployerEvent;

/// <summary>A rollout was saved and starts; <paramref name="Replayed"/> when announced late (it ran while the bot was away).</summary>
public sealed record RolloutStarted(RolloutRecord Rollout, bool Replayed = false) : DeployerEvent;

public sealed record HostStarted(int RolloutId, string Host) : DeployerEvent;

public sealed record HostStepFinished(int RolloutId, string Host, StepResult Step) : DeployerEvent;

/// <summary>A host finished; <paramref name="Done"/> of <paramref name="Total"/> are finished, <paramref name="Failed"/> of them not ok.</summary>
public sealed record HostFinished(int RolloutId, HostResult Result, int Done, int Total, int Failed) : DeployerEvent;

public sealed record RolloutFinished(RolloutRecord Rollout, IReadOnlyList<HostResult> Results) : DeployerEvent;

/// <summary>At start-up, a rollout found still <c>running</c> was marked interrupted.</summary>
public sealed record RolloutInterrupted(RolloutRecord Rollout, IReadOnlyList<string> UnfinishedHosts) : DeployerEvent;
