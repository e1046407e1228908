using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Deployer.Demo;

public static class DemoSetup
{
    /// <summary>The demo fleet's seeder (it creates nothing unless <c>demo.create</c> is set).</summary>
    public static IServiceCollection AddDemo(this IServiceCollection services) => services.AddSingleton<DemoFleetSeeder>();
}
