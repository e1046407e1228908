using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Deployer.Rollout;

public static class RolloutSetup
{
    /// <summary>Transports, the runner, the coordinator (which only the door starts) and start-up recovery.</summary>
    public static IServiceCollection AddRollouts(this IServiceCollection services)
    {
        services.AddSingleton<IHostTransportFactory, HostTransportFactory>();
        services.AddSingleton<EarlyConnections>();
        services.AddSingleton<RolloutRunner>();
        services.AddSingleton<RolloutCoordinator>();
        services.AddSingleton<StartupRecovery>();
        return services;
    }
}
