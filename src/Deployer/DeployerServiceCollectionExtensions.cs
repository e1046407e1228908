using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer;

public static class DeployerServiceCollectionExtensions
{
    /// <summary>The one place that wires the library for a loaded fleet config.</summary>
    public static IServiceCollection AddDeployer(this IServiceCollection services, FleetConfig fleet, bool readOnlyStore = false)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(fleet);
        services.AddSingleton(_ => new StoreDatabase(fleet.StorePath!, readOnlyStore));
        services.AddSingleton<IRolloutStore, RolloutStore>();
        services.AddSingleton<DeployerEvents>();
        services.AddSingleton<IHostTransportFactory, HostTransportFactory>();
        services.AddSingleton<RolloutRunner>();
        services.AddSingleton<StartupRecovery>();
        services.AddSingleton<ProductionHeads>();
        services.TryAddSingleton<IProductionHeadsSource>(sp => sp.GetRequiredService<ProductionHeads>());
        services.AddSingleton<RolloutCoordinator>();
        services.AddSingleton<LiveProbe>();
        services.AddSingleton<DemoFleetSeeder>();
        services.AddSingleton<AuditLog>();

        services.AddSingleton(Options.Create(fleet.Lock));
        services.AddSingleton<ILockStore, LockStore>();
        services.AddSingleton<LockService>();

        services.AddSingleton(Options.Create(fleet.Policy));
        services.AddSingleton<IFreezeStore, FreezeStore>();
        services.AddSingleton<FreezeService>();
        // No IHttpClientFactory: most fleets have no CI gate, and registering one loads the HTTP stack into every bot.
        services.AddSingleton(sp => new CiGate(
            CiGate.SharedClient, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<PolicyOptions>>(), sp.GetRequiredService<ILogger<CiGate>>()));
        return services;
    }
}
