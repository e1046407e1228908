using ChatOpsReconfig.Deployer.Fleet;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Deployer.Store;

public static class StoreSetup
{
    /// <summary>The store file (opened at first use), the audit log and start-up recovery.</summary>
    public static IServiceCollection AddStore(this IServiceCollection services, FleetConfig fleet, bool readOnly)
    {
        services.AddSingleton(_ => new StoreDatabase(fleet.StorePath!, readOnly));
        services.AddSingleton<AuditLog>();
        services.AddSingleton<StartupRecovery>();
        return services;
    }
}
