using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Bot.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace ChatOpsReconfig.Bot.Cli;

/// <summary>What every verb needs: the loaded config (or its problems), a console, and the Deployer's services.</summary>
internal static class CliContext
{
    public const int ExitOk = 0;
    public const int ExitFailed = 1;
    public const int ExitConfig = 2;

    public static IAnsiConsole CreateConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings());
        // Redirected output (pipes, CI logs) gets a wide fixed width so tables do not wrap mid-row.
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        return console;
    }

    /// <summary>Loads and validates; prints every problem and returns null when the config is unusable.</summary>
    public static FleetConfig? LoadOrReport(string path)
    {
        // Every section's shape and checks in one go: every problem at once, each with its line.
        var (config, all) = FleetConfigLoader.TryLoad(path, BotOptions.Sections);
        if (all.Count == 0) return config;
        Console.Error.WriteLine($"{path}: {all.Count} problem(s):");
        foreach (var p in all) Console.Error.WriteLine(p);
        return null;
    }

    /// <summary>The verbs' services; <c>CHATOPS_LOG_LEVEL</c> (as for the bot) overrides <paramref name="minimum"/>.</summary>
    public static ServiceProvider BuildServices(FleetConfig fleet, LogLevel minimum = LogLevel.Warning, bool readOnlyStore = false)
    {
        if (Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("CHATOPS_LOG_LEVEL"), true, out var level)) minimum = level;
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(minimum)
            .AddFilter("Microsoft", LogLevel.Warning));
        services.AddDeployer(fleet, readOnlyStore);
        services.AddSingleton<Deployer.Bugs.IBugCommentText, Announcements.BugCommentText>();
        return services.BuildServiceProvider();
    }
}
