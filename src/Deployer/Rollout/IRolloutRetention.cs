namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>Keeps per-host detail for the newest rollouts only (<c>store.keepRolloutDetail</c>); summaries stay forever.</summary>
public interface IRolloutRetention
{
    /// <summary>Deletes the host results of rollouts older than the kept ones; returns how many were deleted.</summary>
    Task<int> PruneAsync(CancellationToken cancellationToken);
}
