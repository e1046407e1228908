using ChatOpsReconfig.Deployer.Events;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>A bug comment was given up (bug missing or inaccessible, or refused); published once per comment.</summary>
public sealed record BugCommentDropped(BugCommentEntry Entry, BugCommentDrop Drop) : DeployerEvent;

/// <summary>
/// Delivering to <paramref name="Tracker"/> keeps failing; published once per outage, across restarts (again only
/// after a delivery to it succeeded). The comments wait in the outbox.
/// </summary>
public sealed record BugTrackerFailing(string Tracker, TrackerProblem Problem, int Waiting) : DeployerEvent;

/// <summary>A tracker reported failing delivers again.</summary>
public sealed record BugTrackerRecovered(string Tracker, int Delivered) : DeployerEvent;
