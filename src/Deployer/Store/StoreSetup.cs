using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Deployer.Store;

public static class StoreSetup
{
    /// <summary>The store file (opened at first use) and every feature's store on it.</summary>
    public static IServiceCollection AddStore(this IServiceCollection services, FleetConfig fleet, bool readOnly)
    {
        services.AddSingleton(_ => new StoreDatabase(fleet.StorePath!, readOnly));
        services.AddSingleton<IAuditLog, AuditLog>();
        services.AddSingleton(sp => new StoreBackupLoop(sp.GetRequiredService<StoreDatabase>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<StoreBackupLoop>>()));
        services.AddSingleton(StoreOptions.From(fleet));
        services.AddSingleton(sp => new RolloutRetention(sp.GetRequiredService<StoreDatabase>(), sp.GetRequiredService<StoreOptions>()));
        services.AddSingleton<IOutboxStore, LiteOutboxStore>();
        services.AddSingleton<IRolloutStore, RolloutStore>();
        services.AddSingleton<IRepoStore, RepoStore>();
        services.AddSingleton<ILockStore, LockStore>();
        services.AddSingleton<IFreezeStore, FreezeStore>();
        services.AddSingleton<IDoorLog, DoorLog>();
        services.AddSingleton<IPolicyStateStore, PolicyStateStore>();
        services.AddSingleton<ILiveEstimateStore, LiveEstimateStore>();
        services.AddSingleton<Bugs.IBugCommentOutbox, BugCommentOutbox>();
        return services;
    }

    /// <summary>
    /// Opens the store now (lock, integrity check, LiteDB), so that a store that cannot be used is reported before
    /// anything else starts; throws <see cref="StoreUnusableException"/>.
    /// </summary>
    public static void OpenStore(this IServiceProvider services) => services.GetRequiredService<StoreDatabase>();
}
