using ChatOpsReconfig.Deployer.Events;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>
/// A production branch moved (or is watched for the first time); <see cref="Merge.Kind"/> says how. The merge is
/// already saved with its announce entry (<see cref="Outbox.AnnounceEntries.Merge"/>), which the announcement completes.
/// <paramref name="Replayed"/> is true when a restart re-publishes a merge whose entry was still pending.
/// </summary>
public sealed record MergeDetected(Merge Merge, bool Replayed = false) : DeployerEvent;

/// <summary>
/// A repo became unreachable or answers again. Saved as an announce entry (<see cref="Outbox.AnnounceEntries.Repo"/>)
/// with the repo state that says so, before it is published; the entry keeps the event whole, since the state moves on.
/// </summary>
public abstract record RepoReachabilityChanged(string Repo) : DeployerEvent;

/// <summary>Polling a repo has been failing since <paramref name="Since"/>; published once per outage.</summary>
public sealed record RepoUnreachable(string Repo, RepoFailure Error, DateTimeOffset Since, int Failures) : RepoReachabilityChanged(Repo);

/// <summary>A repo that was reported unreachable answers again; published once, before any merge it brings.</summary>
public sealed record RepoRecovered(string Repo, DateTimeOffset UnreachableSince, DateTimeOffset RecoveredAt) : RepoReachabilityChanged(Repo);
