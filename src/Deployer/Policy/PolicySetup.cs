using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Policy;

public static class PolicySetup
{
    /// <summary>Freezes, the CI gate, the one door into a rollout, and the loop that asks it every tick.</summary>
    public static IServiceCollection AddPolicy(this IServiceCollection services, PolicyOptions options)
    {
        services.AddSingleton(Options.Create(options));
        services.AddSingleton<FreezeService>();
        // No IHttpClientFactory: most fleets have no CI gate, and registering one loads the HTTP stack into every bot.
        services.AddSingleton(sp => new CiGate(
            CiGate.SharedClient, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<PolicyOptions>>(), sp.GetRequiredService<ILogger<CiGate>>()));
        services.AddSingleton<CiChecks>();
        services.AddSingleton<RolloutDoor>();
        services.AddSingleton<InterruptedRollouts>();
        services.AddSingleton<PolicyDecisions>();
        services.AddSingleton<LagAlarms>();
        services.AddSingleton<AutoDeployLoop>();
        return services;
    }
}
