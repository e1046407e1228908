using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.CommitHolds;
using ChatOpsReconfig.Deployer.Demo;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatOpsReconfig.Deployer;

public static class DeployerServiceCollectionExtensions
{
    /// <summary>The one place that wires the library for a loaded fleet config; each feature folder registers itself.</summary>
    public static IServiceCollection AddDeployer(this IServiceCollection services, FleetConfig fleet, bool readOnlyStore = false)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(fleet);
        services.AddSingleton<DeployerEvents>();
        services.AddStore(fleet, readOnlyStore);
        services.AddSingleton<Outbox.PendingAnnouncements>();
        services.AddRollouts();
        services.AddStatus();
        services.AddRepos();
        services.AddLocks(LockOptions.From(fleet));
        services.AddPolicy(PolicyOptions.From(fleet));
        services.AddDemo();
        services.AddBugs(fleet);
        services.AddCommitHolds();
        return services;
    }
}
