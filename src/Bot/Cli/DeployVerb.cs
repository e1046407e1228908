using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace ChatOpsReconfig.Bot.Cli;

/// <summary><c>chatops deploy</c>: one rollout to the current production heads, without chat (the emergency path).</summary>
internal static class DeployVerb
{
    /// <summary>Ctrl-C stops new hosts and steps from starting; running steps finish and the results still print.</summary>
    public static async Task<int> RunWithCtrlCAsync(string configPath, string? hostList, bool yes, IAnsiConsole console, CancellationToken cancellationToken)
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
            return await RunAsync(configPath, hostList, yes, console, cts.Token);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static async Task<int> RunAsync(string configPath, string? hostList, bool yes, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var fleet = CliContext.LoadOrReport(configPath);
        if (fleet is null) return CliContext.ExitConfig;

        var hosts = SelectHosts(fleet, hostList, out var hostError);
        if (hostError is not null)
        {
            Console.Error.WriteLine(hostError);
            return CliContext.ExitConfig;
        }

        await using var services = CliContext.BuildServices(fleet);
        try
        {
            services.GetRequiredService<Deployer.Store.StoreDatabase>();
        }
        catch (Deployer.Store.StoreBusyException ex)
        {
            Console.Error.WriteLine($"{ex.Message}: use !deploy now in chat, or stop the bot first");
            return CliContext.ExitConfig;
        }

        await services.GetRequiredService<DemoFleetSeeder>().SeedAsync(cancellationToken);
        services.GetRequiredService<StartupRecovery>().MarkInterrupted();

        var heads = await services.GetRequiredService<ProductionHeads>().ResolveAsync(cancellationToken);
        if (heads.Problems.Count > 0)
        {
            Console.Error.WriteLine("cannot read production heads: " + string.Join("; ", heads.Problems));
            return CliContext.ExitFailed;
        }

        console.WriteLine("revision set: " + string.Join(", ", heads.Heads.Revisions.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {RevisionSet.Short(kv.Value)}")));
        if (!yes)
        {
            if (Console.IsInputRedirected)
            {
                Console.Error.WriteLine("not on a terminal: pass --yes to confirm the rollout");
                return CliContext.ExitConfig;
            }

            if (!await console.ConfirmAsync($"Roll out to {hosts.Count} host(s)?", defaultValue: false, cancellationToken))
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
                        var text = $"[{f.Done,3}/{f.Total}] {f.Result.Host,-20} {Outcome(f.Result),-12} {f.Result.Duration.TotalSeconds,6:0.0}s {f.Result.Error}";
                        console.MarkupLine($"[{color}]{Markup.Escape(text)}[/]");
                        break;
                    case RolloutFinished:
                        return;
                }
            }
        }, CancellationToken.None);

        var runner = services.GetRequiredService<RolloutRunner>();
        var plan = new RolloutPlan(heads.Heads, hosts.Select(h => h.Name).ToList(), Environment.UserName, "chatops deploy");
        var rollout = await runner.RunAsync(plan, cancellationToken);
        await printer;
        events.Unsubscribe(reader);

        var results = services.GetRequiredService<IRolloutStore>().GetHosts(rollout.Id);
        console.Write(ResultsTable(rollout, results));
        console.MarkupLineInterpolated($"rollout {rollout.Id} [bold]{rollout.State.ToString().ToLowerInvariant()}[/]: {rollout.Summary}");
        return rollout.State == RolloutState.Succeeded ? CliContext.ExitOk : CliContext.ExitFailed;
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
                Markup.Escape(r.Error ?? ""));
        }

        return table;
    }
}
