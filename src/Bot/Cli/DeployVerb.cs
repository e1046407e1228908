using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Demo;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace ChatOpsReconfig.Bot.Cli;

/// <summary>What <c>chatops deploy</c> and <c>chatops rollback</c> were asked.</summary>
internal sealed record DeployOptions(string? Hosts, bool Yes, bool Force = false, bool Again = false, bool PlanOnly = false, int? RollbackTo = null);

/// <summary>
/// <c>chatops deploy</c> and <c>chatops rollback</c>: one rollout without chat (the emergency path), through the same
/// door as the bot's: the plan first, holds, freezes and CI apply (<c>--force</c> skips them), no host moves backward
/// unless it is a rollback. Recorded in the store, and announced by the bot at its next start.
/// </summary>
internal static partial class DeployVerb
{
    /// <summary>Ctrl-C stops new hosts and steps from starting; running steps finish and the results still print.</summary>
    public static async Task<int> RunWithCtrlCAsync(string configPath, DeployOptions options, IAnsiConsole console, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            Console.Error.WriteLine("cancelling: no new hosts or steps will start; waiting for running steps…");
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await RunAsync(configPath, options, console, cts.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>Exit code when the door refused (a hold, a freeze, CI, every host would move backward).</summary>
    public const int ExitRefused = 3;

    public static Task<int> RunAsync(string configPath, string? hostList, bool yes, IAnsiConsole console, CancellationToken cancellationToken) =>
        RunAsync(configPath, new DeployOptions(hostList, yes), console, cancellationToken);

    public static async Task<int> RunAsync(string configPath, DeployOptions o, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var fleet = CliContext.LoadOrReport(configPath);
        if (fleet is null) return CliContext.ExitConfig;

        var hosts = SelectHosts(fleet, o.Hosts, out var hostError);
        if (hostError is not null)
        {
            Console.Error.WriteLine(hostError);
            return CliContext.ExitConfig;
        }

        await using var services = CliContext.BuildServices(fleet);
        // The handshakes take about as long as opening the store and fetching the heads, and connecting runs nothing on
        // a host, so they start now; the rollout takes them over once it is saved (unused ones are closed at the end).
        // Not local hosts: connecting to one costs nothing, and the demo fleet's basedirs only exist once seeded below.
        if (o.Yes && !o.PlanOnly)
            services.GetRequiredService<EarlyConnections>().Start(hosts.Where(h => h.Transport == TransportKind.Ssh).ToList());
        var startup = new StartupClock(services);
        startup.Reached("services built");
        if (StoreGate.TryOpen(services, configPath, "use !deploy now in chat, or stop the bot first") is not null) return CliContext.ExitConfig;
        startup.Reached("store open");

        await services.GetRequiredService<DemoFleetSeeder>().SeedAsync(cancellationToken);
        await services.GetRequiredService<StartupRecovery>().MarkInterruptedAsync(cancellationToken);

        // Fresh heads through the mirrors, as the bot reads them: merges found are saved, and announced by the bot
        // at its next start; ancestry for the never-backward check comes from the same mirrors.
        var polls = await services.GetRequiredService<RepoWatcher>().PollAllAsync(cancellationToken);
        startup.Reached("heads read");
        var failed = polls.Where(p => p.Outcome == PollOutcome.Failed).ToList();
        if (failed.Count > 0)
        {
            Console.Error.WriteLine(RepoText.HeadsUnreadable(failed.Select(p => new UnreadableRepo(p.Repo, p.Error))));
            return CliContext.ExitFailed;
        }

        var request = new RolloutRequest
        {
            Trigger = o.RollbackTo is null ? RolloutTrigger.Cli : RolloutTrigger.Rollback,
            RequestedBy = Environment.UserName,
            Force = o.Force,
            Again = o.Again,
            Hosts = o.Hosts is null ? null : hosts.Select(h => h.Name).ToList(),
            RollbackTo = o.RollbackTo,
        };
        var door = services.GetRequiredService<RolloutDoor>();
        var zone = Hosting.BotOptions.From(fleet).Chat.FindTimeZone();
        var planned = await door.PlanAsync(request, cancellationToken);
        startup.Reached("planned");
        if (planned.Plan is { } plan)
        {
            foreach (var line in PlanMessages.Lines(plan, planned.Decision, zone)) console.WriteLine(line);
        }
        else
        {
            console.WriteLine("policy: " + PolicyText.Line(planned.Decision, zone));
        }

        if (o.PlanOnly) return CliContext.ExitOk;
        if (!planned.Decision.Start)
        {
            // A refused request is recorded like one the bot refused in chat.
            await services.GetRequiredService<IDoorLog>().RecordAsync(planned, services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);
            return Refused(planned.Decision, zone);
        }

        if (!o.Yes)
        {
            if (Console.IsInputRedirected)
            {
                Console.Error.WriteLine("not on a terminal: pass --yes to confirm the rollout");
                return CliContext.ExitConfig;
            }

            if (!await console.ConfirmAsync($"Roll out to {planned.Plan!.Hosts.Count} host(s)?", defaultValue: false, cancellationToken)) // Start implies a plan
                return CliContext.ExitFailed;
        }

        var events = services.GetRequiredService<DeployerEvents>();
        var reader = events.Subscribe();
        var printer = Task.Run(async () =>
        {
            await foreach (var e in reader.ReadAllAsync(CancellationToken.None))
            {
                switch (e)
                {
                    case HostStarted s:
                        console.MarkupLineInterpolated($"[grey]        {s.Host,-20} started[/]");
                        break;
                    case HostFinished f:
                        var color = f.Result.Outcome == HostOutcome.Ok ? "green" : f.Result.Outcome == HostOutcome.Skipped ? "yellow" : "red";
                        var text = $"[{f.Done,3}/{f.Total}] {f.Result.Host,-20} {Outcome(f.Result),-12} {f.Result.Duration.TotalSeconds,6:0.0}s {HostText.Failure(f.Result)}";
                        console.MarkupLine($"[{color}]{Markup.Escape(text)}[/]");
                        break;
                    case RolloutFinished:
                        return;
                }
            }
        }, CancellationToken.None);

        var coordinator = services.GetRequiredService<RolloutCoordinator>();
        var answer = await door.RequestAsync(request, cancellationToken);
        startup.Reached("rollout saved");
        if (!answer.Started)
        {
            events.Unsubscribe(reader);
            return Refused(answer.Decision, zone);
        }

        // Ctrl-C cancels like !deploy cancel: no new hosts or steps; running steps finish and the results print.
        await using var onCancel = cancellationToken.Register(() => coordinator.Cancel(Environment.UserName));
        var rollout = await coordinator.WhenFinishedAsync() ?? answer.Rollout!;
        await printer;
        events.Unsubscribe(reader);

        startup.Reached("rollout finished");
        var results = await services.GetRequiredService<IRolloutStore>().GetHostsAsync(rollout.Id, cancellationToken);
        console.Write(ResultsTable(rollout, results));
        console.MarkupLineInterpolated($"rollout {rollout.Id} [bold]{rollout.State.ToString().ToLowerInvariant()}[/]: {RolloutText.Summary(rollout)}");
        return rollout.State == RolloutState.Succeeded ? CliContext.ExitOk : CliContext.ExitFailed;
    }

    private static int Refused(PolicyDecision decision, TimeZoneInfo zone)
    {
        if (decision.Blocker == PolicyBlocker.NothingToDeploy) return CliContext.ExitOk;
        Console.Error.WriteLine("not deploying: " + Commands.DeployCommand.Trim(PolicyText.Line(decision, zone)));
        return ExitRefused;
    }

    internal static List<HostConfig> SelectHosts(FleetConfig fleet, string? hostList, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(hostList)) return fleet.Hosts.Where(h => h.Enabled).ToList();
        var names = hostList.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = names.Where(n => fleet.Hosts.All(h => !string.Equals(h.Name, n, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            error = $"unknown host(s): {string.Join(", ", unknown)}; known: {string.Join(", ", fleet.Hosts.Select(h => h.Name))}";
            return [];
        }

        var selected = fleet.Hosts.Where(h => names.Contains(h.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        var disabled = selected.Where(h => !h.Enabled).Select(h => h.Name).ToList();
        if (disabled.Count > 0) error = $"disabled host(s): {string.Join(", ", disabled)}; enable them in the config first";
        return selected;
    }

    internal static string Outcome(HostResult r) => r.Outcome switch
    {
        HostOutcome.Ok => "ok",
        HostOutcome.Failed when r.FailedStep is not null => $"failed at {r.FailedStep}",
        HostOutcome.Skipped => "not started",
        HostOutcome.Cancelled => "stopped partway",
        _ => r.Outcome.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Where the time before the first host goes (<c>CHATOPS_LOG_LEVEL=Debug</c>): milliseconds since the process
    /// started, .NET start-up included, at each phase of the verb.
    /// </summary>
    private sealed class StartupClock(IServiceProvider services)
    {
        private readonly ILogger _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("ChatOpsReconfig.Bot.Cli.DeployVerb");
        private readonly TimeProvider _time = services.GetRequiredService<TimeProvider>();
        private readonly DateTimeOffset _processStart = new(Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

        public void Reached(string phase) => Log.Phase(_logger, phase, (long)(_time.GetUtcNow() - _processStart).TotalMilliseconds);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "deploy: {Phase} {Milliseconds} ms after the process started")]
        public static partial void Phase(ILogger logger, string phase, long milliseconds);
    }

    internal static Table ResultsTable(RolloutRecord rollout, IReadOnlyList<HostResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"rollout {rollout.Id}");
        table.AddColumns("host", "result", "step", "before → after", "duration", "detail");
        foreach (var r in results.OrderBy(r => r.Outcome == HostOutcome.Ok).ThenBy(r => rollout.Hosts.IndexOf(r.Host)))
        {
            var revs = string.Join("\n", r.Before.Keys.Union(r.After.Keys).Select(repo =>
                $"{repo} {RevisionSet.Short(r.Before.GetValueOrDefault(repo))} → {RevisionSet.Short(r.After.GetValueOrDefault(repo))}"));
            table.AddRow(
                Markup.Escape(r.Host),
                r.Outcome == HostOutcome.Ok ? "[green]ok[/]" : $"[red]{Markup.Escape(Outcome(r))}[/]",
                Markup.Escape(r.FailedStep ?? ""),
                Markup.Escape(revs),
                $"{r.Duration.TotalSeconds:0.0}s",
                Markup.Escape(HostText.Failure(r)));
        }

        return table;
    }
}
