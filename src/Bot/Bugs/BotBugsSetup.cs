using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Bot.Maintenance;
using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.CommitHolds;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Bot.Bugs;

public static class BotBugsSetup
{
    /// <summary>
    /// Bug comments, the maintenance log in chat, and holds declared in commits, for the bot: <c>!log</c>,
    /// <c>!status bugs</c>, the chat alarms, and the workers (commit-hold recovery before the watcher starts).
    /// </summary>
    internal static IServiceCollection AddBotBugs(this IServiceCollection services, BotOptions options)
    {
        if (options.Web.Enabled) services.AddSingleton(new BugStatusLink(options.Web.Url));
        services.AddSingleton<BugStatus>();
        services.AddSingleton<IChatCommand, LogCommand>();
        services.AddSingleton<IEventAnnouncer, BugAnnouncer>();
        services.AddLeaderOnly(sp => sp.GetRequiredService<CommitHoldService>());
        services.AddLeaderOnly(sp => sp.GetRequiredService<BugCommentDelivery>());
        return services;
    }
}
