using System.Text.Json;
using ChatOpsReconfig.Bot.Cli;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Bot.Web;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Maintenance;

/// <summary><c>chatops maintenance-log --since 7d [--format markdown|json]</c>: the deployed-changes log, read-only from the store.</summary>
internal static class MaintenanceLogVerb
{
    /// <summary>Rollouts looked at; a week of a busy fleet is far fewer.</summary>
    private const int MaxEntries = 1000;

    public static async Task<int> RunAsync(string configPath, string since, string format, TextWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Check(since, format) is not { } period) return CliContext.ExitConfig;
        var fleet = CliContext.LoadOrReport(configPath);
        if (fleet is null) return CliContext.ExitConfig;
        if (!Deployer.Store.StoreOptions.From(fleet).IsPostgres)
        {
            if (fleet.StorePath is null || new FileInfo(fleet.StorePath) is { Exists: false } or { Length: 0 })
            {
                output.Write(Render([], format, BotOptions.From(fleet)));
                return CliContext.ExitOk;
            }

            // Opened read-only below, which checks nothing: a damaged file is one line here, not a stack trace from the read.
            if (StoreGate.CheckReadOnly(fleet.StorePath, configPath) is not null) return CliContext.ExitConfig;
        }

        // Read-only: the running bot may hold the store, and this verb changes nothing.
        using var services = CliContext.BuildServices(fleet, readOnlyStore: true);
        if (StoreGate.TryOpen(services, configPath, "stop it first") is not null) return CliContext.ExitConfig;
        var log = new MaintenanceLog(
            (IRolloutStore)services.GetService(typeof(IRolloutStore))!, (IRepoStore)services.GetService(typeof(IRepoStore))!);
        return await WriteAsync(log, since, format, output, time, BotOptions.From(fleet), cancellationToken);
    }

    /// <summary>The entries of <paramref name="log"/> finished within <paramref name="since"/>, in <paramref name="format"/>.</summary>
    public static async Task<int> WriteAsync(MaintenanceLog log, string since, string format, TextWriter output, TimeProvider time, BotOptions options, CancellationToken cancellationToken)
    {
        if (Check(since, format) is not { } period) return CliContext.ExitConfig;
        var from = time.GetUtcNow() - period;
        output.Write(Render((await log.LatestAsync(MaxEntries, cancellationToken)).Where(e => (e.FinishedAt ?? e.StartedAt) >= from).ToList(), format, options));
        return CliContext.ExitOk;
    }

    private static string Render(IReadOnlyList<MaintenanceEntry> entries, string format, BotOptions options) =>
        format == "json"
            ? JsonSerializer.Serialize(entries, StatusApi.Json) + "\n"
            : MaintenanceText.Markdown(entries, options.Chat.BugUrlTemplate, options.Web.Enabled ? options.Web.Url : null);

    private static TimeSpan? Check(string since, string format)
    {
        var period = Commands.Duration.Parse(since);
        if (period.Error is not null)
        {
            Console.Error.WriteLine($"--since: {period.Error}");
            return null;
        }

        if (format is not ("markdown" or "json"))
        {
            Console.Error.WriteLine($"--format: '{format}' is not a format; use markdown or json");
            return null;
        }

        return period.Value;
    }
}

/// <summary>The <c>maintenance-log</c> verb's options.</summary>
internal static class MaintenanceLogCli
{
    public static System.CommandLine.Command Create(System.CommandLine.Option<string> config)
    {
        var since = new System.CommandLine.Option<string>("--since") { Description = "How far back, e.g. 7d, 12h (at most 31d)", DefaultValueFactory = _ => "7d" };
        var format = new System.CommandLine.Option<string>("--format") { Description = "markdown (a wiki page) or json", DefaultValueFactory = _ => "markdown" };
        var verb = new System.CommandLine.Command("maintenance-log", "Print the deployed-changes log: rollouts, commits per repo with bug links, host outcomes (exit 0, or 2 for bad options or config)");
        verb.Options.Add(since);
        verb.Options.Add(format);
        verb.SetAction((parse, ct) => MaintenanceLogVerb.RunAsync(parse.GetValue(config)!, parse.GetValue(since)!, parse.GetValue(format)!, Console.Out, TimeProvider.System, ct));
        return verb;
    }
}
