using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Deployer.Status;

public static class StatusSetup
{
    /// <summary>The live revision probe (<c>status --live</c>, and hosts never seen at start-up).</summary>
    public static IServiceCollection AddStatus(this IServiceCollection services) => services.AddSingleton<LiveProbe>();
}
