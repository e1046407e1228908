using ChatOpsReconfig.Deployer.Status;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Deployer.Rollout;

public static class RolloutSetup
{
    /// <summary>Transports, the runner and the coordinator (which only the door starts), and the live revision probe.</summary>
    public static IServiceCollection AddRollouts(this IServiceCollection services)
    {
        services.AddSingleton<IRolloutStore, RolloutStore>();
        services.AddSingleton<IHostTransportFactory, HostTransportFactory>();
        services.AddSingleton<RolloutRunner>();
        services.AddSingleton<RolloutCoordinator>();
        services.AddSingleton<LiveProbe>();
        return services;
    }
}
