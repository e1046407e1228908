namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Runs when a merge is saved, before it is announced or can be deployed (e.g. holds declared in commits).</summary>
public interface IMergeHook
{
    Task OnMergeRecordedAsync(Merge merge, CancellationToken cancellationToken);
}
