using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Outbox;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Deployer.Store;

public static class StoreSetup
{
    /// <summary>The store file (opened at first use) and the audit log.</summary>
    public static IServiceCollection AddStore(this IServiceCollection services, FleetConfig fleet, bool readOnly)
    {
        services.AddSingleton(_ => new StoreDatabase(fleet.StorePath!, readOnly));
        services.AddSingleton<AuditLog>();
        services.AddSingleton<StoreBackupLoop>();
        services.AddSingleton(StoreOptions.From(fleet));
        services.AddSingleton<RolloutRetention>();
        services.AddSingleton<IOutboxStore, LiteOutboxStore>();
        return services;
    }

    /// <summary>
    /// Opens the store now (lock, integrity check, LiteDB), so that a store that cannot be used is reported before
    /// anything else starts; throws <see cref="StoreUnusableException"/>.
    /// </summary>
    public static void OpenStore(this IServiceProvider services) => services.GetRequiredService<StoreDatabase>();
}
