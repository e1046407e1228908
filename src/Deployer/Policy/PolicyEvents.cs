using ChatOpsReconfig.Deployer.Events;

namespace ChatOpsReconfig.Deployer.Policy;

public enum LagLevel
{
    Warning,
    Critical,
}

/// <summary>A host still not at a production head this long after the merge; raised once per host, head and level.</summary>
public sealed record LagAlarm(string Host, string Repo, string Head, LagLevel Level, TimeSpan Behind, DateTimeOffset MergedAt, string Why) : DeployerEvent;

/// <summary>The policy's one-line answer changed (e.g. from "waiting: quiet in 3 min" to "deploying now").</summary>
public sealed record PolicyChanged(PolicyDecision Decision) : DeployerEvent;
