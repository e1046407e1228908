using ChatOpsReconfig.Deployer.Repos;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Deployer.CommitHolds;

public static class CommitHoldsSetup
{
    /// <summary>The merge hook that turns <c>deploy: hold</c> lines into a hold (the host starts <see cref="CommitHoldService"/> for crash recovery).</summary>
    public static IServiceCollection AddCommitHolds(this IServiceCollection services)
    {
        services.AddSingleton<CommitHoldService>();
        services.AddSingleton<IMergeHook>(sp => sp.GetRequiredService<CommitHoldService>());
        return services;
    }
}
