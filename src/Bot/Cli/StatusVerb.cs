using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Demo;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace ChatOpsReconfig.Bot.Cli;

/// <summary><c>chatops status</c>: hosts × repos, revision on host against the production head.</summary>
internal static class StatusVerb
{
    public static async Task<int> RunAsync(string configPath, bool live, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var fleet = CliContext.LoadOrReport(configPath);
        if (fleet is null) return CliContext.ExitConfig;

        var services = CliContext.BuildServices(fleet);
        var readOnly = false;
        var failure = StoreGate.TryOpen(services, configPath, "--live records what it reads; use !status in chat, or stop the bot first", print: false);
        if (failure is not null)
        {
            await services.DisposeAsync();
            // The bot owns the store, or the file cannot be written: read it without writing. --live writes what it reads.
            if (live || failure is not (Deployer.Store.StoreBusyException or Deployer.Store.StoreReadOnlyException or Deployer.Store.StoreUnwritableException))
            {
                Console.Error.WriteLine(StoreGate.Describe(failure, configPath, "--live records what it reads; use !status in chat, or stop the bot first"));
                return CliContext.ExitConfig;
            }

            services = CliContext.BuildServices(fleet, readOnlyStore: true);
            readOnly = true;
            if (failure is Deployer.Store.StoreReadOnlyException or Deployer.Store.StoreUnwritableException)
            {
                // Nobody checked this file at open (no bot holds it): check it before the store reads it.
                var unusable = StoreGate.CheckReadOnly(fleet.StorePath!, configPath);
                if (unusable is not null) return CliContext.ExitConfig;
                console.WriteLine($"{fleet.StorePath}: read-only; showing what it holds");
            }
        }

        await using var _ = services;
        if (!readOnly) await services.GetRequiredService<DemoFleetSeeder>().SeedAsync(cancellationToken);
        var store = services.GetRequiredService<IRolloutStore>();

        var heads = await services.GetRequiredService<ProductionHeads>().ResolveAsync(cancellationToken);
        foreach (var p in heads.Problems) console.MarkupLineInterpolated($"[red]cannot read head of {Announcements.RepoText.Problem(p)}[/]");

        IReadOnlyDictionary<string, HostState> states;
        if (live)
        {
            await services.GetRequiredService<LiveProbe>().ProbeAsync(fleet.Hosts, cancellationToken);
        }

        states = (await store.GetHostStatesAsync(cancellationToken)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        var rows = FleetStatus.Build(fleet, heads.Heads.Revisions, states);
        console.Write(Table(fleet, heads.Heads, rows));
        var counts = FleetStatus.Count(rows);
        console.WriteLine(string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} {HostText.Lag(kv.Key)}")));
        var last = (await store.LatestAsync(1, cancellationToken)).FirstOrDefault();
        if (last is not null)
            console.WriteLine($"last rollout: {last.Id} {last.State.ToString().ToLowerInvariant()} at {last.StartedAt:yyyy-MM-dd HH:mm}Z by {last.StartedBy}: {RolloutText.Summary(last)}");
        return CliContext.ExitOk;
    }

    private static Table Table(FleetConfig fleet, RevisionSet heads, IReadOnlyList<HostLag> rows)
    {
        var repos = fleet.Repos.Keys.ToList();
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumn("host");
        table.AddColumn("role");
        foreach (var repo in repos)
            table.AddColumn($"{Markup.Escape(repo)}\n[grey]{RevisionSet.Short(heads.Revisions.GetValueOrDefault(repo))}[/]");
        table.AddColumn("state");
        table.AddColumn("last rollout");
        foreach (var row in rows.OrderBy(r => r.State == HostLagState.InSync).ThenBy(r => r.Host, StringComparer.Ordinal))
        {
            var cells = new List<string> { Markup.Escape(row.Host), Markup.Escape(row.Role) };
            foreach (var repo in repos)
            {
                var cell = row.Repos.FirstOrDefault(c => c.Repo == repo);
                cells.Add(cell is null ? "[grey]-[/]"
                    : cell.InSync ? $"[green]{RevisionSet.Short(cell.OnHost)}[/]"
                    : $"[yellow]{Markup.Escape(RevisionSet.Short(cell.OnHost))}[/]");
            }

            var color = row.State switch
            {
                HostLagState.InSync => "green",
                HostLagState.Behind => "yellow",
                HostLagState.Disabled or HostLagState.Unknown => "grey",
                _ => "red",
            };
            var state = HostText.Lag(row.State) + (HostText.LagDetail(row) is { } detail ? $": {detail}" : "");
            cells.Add($"[{color}]{Markup.Escape(state)}[/]");
            cells.Add(row.LastRolloutId is { } id ? $"{id} ({row.LastRolloutAt:MM-dd HH:mm}Z)" : "-");
            table.AddRow(cells.ToArray());
        }

        return table;
    }
}
