using System.Text;
using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Bugs;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Console;
using ChatOpsReconfig.Bot.Chat.Discord;
using ChatOpsReconfig.Bot.Chat.Irc;
using ChatOpsReconfig.Bot.Cli;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Bot.Web;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Repos;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Hosting;

/// <summary>Run mode: the long-running bot on the Generic Host.</summary>
internal static class BotHost
{
    public static async Task<int> RunAsync(string configPath, CancellationToken cancellationToken)
    {
        var fleet = CliContext.LoadOrReport(configPath);
        if (fleet is null) return CliContext.ExitConfig;
        var options = BotOptions.From(fleet);
        // Before the greeting: a bot that cannot run must not say hello first.
        var startup = StartupChecks.Problems(fleet, options);
        foreach (var problem in startup) Console.Error.WriteLine(problem);
        if (startup.Count > 0) return CliContext.ExitConfig;

        await using var app = Build(fleet, options);
        if (StoreGate.TryOpen(app.Services, configPath, "a second bot needs its own dataDir; stop the other one first") is not null) return CliContext.ExitConfig;
        try
        {
            await app.RunAsync(cancellationToken);
        }
        catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            Console.Error.WriteLine(StartupChecks.WebUrlInUse(options.Web.Url));
            return CliContext.ExitConfig;
        }

        // A leader that found its lease lost stops with its own code, for the supervisor.
        return Environment.ExitCode == LeaderServices.ExitLostLease ? LeaderServices.ExitLostLease : CliContext.ExitOk;
    }

    /// <summary>The bot as a web application, ready to run; tests pass <paramref name="configure"/> to swap the chat transport or logging.</summary>
    public static WebApplication Build(Deployer.Fleet.FleetConfig fleet, BotOptions options, Action<IServiceCollection>? configure = null)
    {
        // Nothing reads appsettings.json, so it is not watched either: reloadOnChange puts a recursive inotify watch
        // on the whole working directory (data/, the demo repos, or the repo root with bin/ and obj/ under dotnet run).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseUrls(options.Web.Url);
        builder.Logging.ClearProviders();
        // stdout is the chat; logs go to stderr.
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .AddFilter("Microsoft", LogLevel.Warning)
            .SetMinimumLevel(Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("CHATOPS_LOG_LEVEL"), true, out var level) ? level : LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));
        builder.Services.AddBot(fleet, options);
        configure?.Invoke(builder.Services);

        if (!options.Web.Enabled) builder.Services.AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer, NoServer>();
        var app = builder.Build();
        app.MapBotWeb();
        if (options.Web.Enabled) app.LogWhenListening(options.Web);
        return app;
    }

    /// <summary>Every registration of the bot, in order; hosted services stop in reverse order.</summary>
    public static IServiceCollection AddBot(this IServiceCollection services, Deployer.Fleet.FleetConfig fleet, BotOptions options)
    {
        services.AddDeployer(fleet);
        services.AddSingleton<Deployer.Bugs.IBugCommentText, Announcements.BugCommentText>();
        services.AddLeadership(fleet);
        services.AddSingleton(options);
        services.AddChatTransport(options.Chat);
        services.AddSingleton<ChatOutbox>();
        services.AddSingleton<OutboxSender>();
        services.AddSingleton<AnnouncementService>();
        services.AddSingleton<StatusReport>();
        services.AddSingleton(new Permissions(options.Permissions));
        services.AddSingleton<CommandAudit>();
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<CommandRouter>(sp, options.Chat.Prefix));
        services.AddSingleton<IChatCommand, StatusCommand>();
        services.AddSingleton<IChatCommand, DeployCommand>();
        services.AddSingleton<IChatCommand, RollbackCommand>();
        services.AddSingleton<IChatCommand, HistoryCommand>();
        services.AddSingleton<IChatCommand, HelpCommand>();
        services.AddSingleton<ChatClock>();
        services.AddSingleton<LockReplies>();
        services.AddSingleton<IChatCommand, LockCommand>();
        services.AddSingleton<IChatCommand, UnlockCommand>();
        services.AddSingleton<IChatCommand, ExtendCommand>();
        services.AddSingleton<IChatCommand, FreezeCommand>();
        services.AddSingleton<IChatCommand, UnfreezeCommand>();
        services.AddSingleton<IEventAnnouncer, LockAnnouncer>();
        services.AddSingleton<IEventAnnouncer, MergeAnnouncer>();
        services.AddSingleton<PolicyStatus>();
        services.AddSingleton<IStatusSection>(sp => sp.GetRequiredService<PolicyStatus>());
        services.AddSingleton<IUnlockOutlook>(sp => sp.GetRequiredService<PolicyStatus>());
        services.AddSingleton<IEventAnnouncer>(sp => sp.GetRequiredService<PolicyStatus>());
        services.AddSingleton<IIdleCheck>(sp => sp.GetRequiredService<PolicyStatus>());
        services.AddSingleton<IStatusSection, RepoStatusSection>();
        services.AddSingleton<IStatusSection, LeaderStatusSection>();
        services.AddSingleton(HookSecret.Load(options.Web));
        services.AddSingleton<HookBodyFailures>();
        services.AddSingleton<HookRequests>();
        services.AddSingleton(Web.WebToken.Load(options.Web));
        services.AddSingleton<StatusViewBuilder>();
        services.AddSingleton<StatusCache>();
        services.AddSingleton<LiveCheck>();
        services.AddSingleton<MaintenanceLog>();
        services.AddSingleton<BotMetrics>();
        services.AddSingleton<MetricsRecorder>();

        // PostgreSQL is backed up by its own tools (pg_dump, base backups); the embedded file by the bot.
        if (!Deployer.Store.StoreOptions.From(fleet).IsPostgres) services.AddHostedService(sp => sp.GetRequiredService<Deployer.Store.StoreBackupLoop>());
        services.AddBotBugs(options);
        services.AddHostedService(sp => sp.GetRequiredService<MetricsRecorder>());
        // Everything that acts or speaks runs on the leader only (with a shared PostgreSQL store; alone, always).
        services.AddLeaderOnly(sp => sp.GetRequiredService<OutboxSender>());
        services.AddLeaderOnly<StoreHealthAnnouncer>();
        services.AddLeaderOnly(sp => sp.GetRequiredService<AnnouncementService>());
        services.AddLeaderOnly<BotStartup>();
        services.AddLeaderOnly(sp => sp.GetRequiredService<RepoWatcher>());
        services.AddLeaderOnly(sp => sp.GetRequiredService<Deployer.Policy.AutoDeployLoop>());
        services.AddLeaderOnly<ChatService>();
        services.AddLeaderOnly<RolloutShutdown>();
        return services;
    }

    /// <summary>The chat network named by <c>chat.transport</c> (validated before the bot starts).</summary>
    private static void AddChatTransport(this IServiceCollection services, ChatOptions chat)
    {
        switch (chat.Transport)
        {
            case "discord":
                services.AddSingleton<IChatTransport>(sp => new DiscordChatTransport(
                    chat.Discord, chat.Prefix, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), sp.GetService<DiscordGatewayTiming>()));
                break;
            case "irc":
                services.AddIrcChat(chat);
                break;
            default:
                services.AddSingleton<IChatTransport>(_ => new ConsoleChatTransport(
                    chat,
                    new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false, false)),
                    new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true }));
                break;
        }
    }
}
