using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatOpsReconfig.Deployer.Repos;

public static class ReposSetup
{
    /// <summary>
    /// The repo store, the watcher (the mirrors: heads, merges, ancestry) and the heads it saw. The bot runs the
    /// watcher as a hosted service; the CLI polls it once.
    /// </summary>
    public static IServiceCollection AddRepos(this IServiceCollection services)
    {
        services.AddSingleton<RepoWatcher>();
        services.AddSingleton<IRepoStatus>(sp => sp.GetRequiredService<RepoWatcher>());
        services.AddSingleton<ProductionHeads>();
        services.TryAddSingleton<IProductionHeadsSource, WatchedHeads>();
        return services;
    }
}
