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
        services.AddSingleton<IOutboxStore, LiteOutboxStore>();
        return services;
    }
}
