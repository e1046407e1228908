using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Audit;

namespace ChatOpsReconfig.Deployer.Locks;

/// <summary>Someone took the lock. <paramref name="Replaced"/> is their previous hold when this one replaced it.</summary>
public sealed record HoldAdded(Hold Hold, Hold? Replaced) : DeployerEvent;

/// <summary>A hold was released by its holder, or forced off by <paramref name="By"/> (an admin).</summary>
public sealed record HoldReleased(Hold Hold, Actor By, bool Forced) : DeployerEvent;

/// <summary>A holder pushed their expiry back from <paramref name="PreviousExpiresAt"/> to <c>Hold.ExpiresAt</c>.</summary>
public sealed record HoldExtended(Hold Hold, DateTimeOffset PreviousExpiresAt) : DeployerEvent;

/// <summary>A hold expires in <paramref name="Remaining"/>: tell its holder (once per hold, also across restarts).</summary>
public sealed record HoldExpiring(Hold Hold, TimeSpan Remaining) : DeployerEvent;

/// <summary>A hold ran out and was removed (once per hold, also across restarts).</summary>
public sealed record HoldExpired(Hold Hold) : DeployerEvent;
