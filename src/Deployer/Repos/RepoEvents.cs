using ChatOpsReconfig.Deployer.Events;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>
/// A production branch moved (or is watched for the first time); <see cref="Merge.Kind"/> says how. The merge is
/// already saved: call <see cref="IRepoStore.MarkAnnouncedAsync"/> once it is posted. <paramref name="Replayed"/> is true
/// when a restart re-publishes a merge that was saved but never marked announced.
/// </summary>
public sealed record MergeDetected(Merge Merge, bool Replayed = false) : DeployerEvent;

/// <summary>Polling a repo has been failing since <paramref name="Since"/>; published once per outage.</summary>
public sealed record RepoUnreachable(string Repo, string Error, DateTimeOffset Since, int Failures) : DeployerEvent;

/// <summary>A repo that was reported unreachable answers again; published once, before any merge it brings.</summary>
public sealed record RepoRecovered(string Repo, DateTimeOffset UnreachableSince, DateTimeOffset RecoveredAt) : DeployerEvent;
