using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Locks;

public static class LocksSetup
{
    /// <summary>The deploy lock: holds in the store, with their options.</summary>
    public static IServiceCollection AddLocks(this IServiceCollection services, LockOptions options)
    {
        services.AddSingleton(Options.Create(options));
        services.AddSingleton<LockService>();
        return services;
    }
}
