namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Where the current production heads come from (the remotes now; the watcher's store once it runs).</summary>
public interface IProductionHeadsSource
{
    Task<HeadsResult> CurrentAsync(CancellationToken cancellationToken);
}
