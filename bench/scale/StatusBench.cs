using System.Diagnostics;
using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Console;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bench.Scale;

/// <summary>
/// <c>!status</c> latency at one fleet size: the bot built by <see cref="BotHost.AddBot"/> (console transport on
/// in-memory stdin/stdout), timed in parts and end to end.
/// </summary>
internal static class StatusBench
{
    public static async Task<List<Stats>> RunAsync(Fleet fleetDir, int warmup, int iterations, TextWriter log)
    {
        var fleet = FleetConfigLoader.Load(fleetDir.ConfigPath, BotOptions.SectionNames, fleetDir.Directory);
        var problems = BotOptions.Validate(fleet);
        if (problems.Count > 0) throw new InvalidOperationException(string.Join('\n', problems));
        var options = BotOptions.From(fleet);

        var stdin = new LineReader();
        var stdout = new LineCollector();
        var transport = new ConsoleChatTransport(options.Chat, stdin, stdout);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = fleetDir.Directory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddBot(fleet, options);
        builder.Services.Replace(ServiceDescriptor.Singleton<IChatTransport>(transport));
        using var host = builder.Build();

        var started = Stopwatch.StartNew();
        await host.StartAsync();
        try
        {
            await stdout.WaitForAsync(l => l.Contains("ChatOpsReconfig is here", StringComparison.Ordinal), 0, TimeSpan.FromSeconds(60));
            log.WriteLine($"  bot started, greeting after {started.ElapsedMilliseconds} ms");
            return await MeasureAsync(fleetDir, fleet, host.Services, stdin, stdout, transport, started, warmup, iterations, log);
        }
        finally
        {
            // Stop as SIGTERM would (ending stdin instead makes ChatService call StopApplication, racing this).
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await host.StopAsync(stop.Token);
            stdin.End();
        }
    }

    private static async Task<List<Stats>> MeasureAsync(Fleet fleetDir, FleetConfig fleet, IServiceProvider sp, LineReader stdin,
        LineCollector stdout, ConsoleChatTransport transport, Stopwatch started, int warmup, int iterations, TextWriter log)
    {

        var heads = sp.GetRequiredService<IProductionHeadsSource>();
        var store = sp.GetRequiredService<IRolloutStore>();
        var report = sp.GetRequiredService<StatusReport>();
        var router = sp.GetRequiredService<CommandRouter>();
        var sections = sp.GetServices<IStatusSection>().ToList();
        var outbox = sp.GetRequiredService<ChatOutbox>();
        var failedHost = fleetDir.ByState["failed"].First(h => h.StartsWith("bm", StringComparison.Ordinal));

        // The repo watcher polls its mirrors in the background; until it has seen every repo, heads come from the remotes.
        var watcher = sp.GetRequiredService<IRepoStatus>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await watcher.GetReposAsync(CancellationToken.None)).Count(r => r.Head is not null) < fleet.Repos.Count && DateTime.UtcNow < deadline) await Task.Delay(100);
        log.WriteLine($"  repo watcher has {(await watcher.GetReposAsync(CancellationToken.None)).Count(r => r.Head is not null)}/{fleet.Repos.Count} heads after {started.ElapsedMilliseconds} ms");

        var resolved = await heads.CurrentAsync(CancellationToken.None);
        if (resolved.Problems.Count > 0) throw new InvalidOperationException("heads: " + string.Join("; ", resolved.Problems.Select(p => $"{p.Repo}: {p.Kind} {p.Command} {p.Detail}")));
        foreach (var (repo, rev) in fleetDir.Heads)
            if (resolved.Heads.Revisions.GetValueOrDefault(repo) != rev) throw new InvalidOperationException($"head of {repo}: {resolved.Heads.Revisions.GetValueOrDefault(repo)} != {rev}");
        var statesNow = (await store.GetHostStatesAsync(CancellationToken.None)).ToDictionary(s => s.Id, StringComparer.Ordinal);

        var lastRollout = (await store.LatestAsync(1, CancellationToken.None))[0].Id;
        var touched = (await store.GetHostStateAsync(failedHost, CancellationToken.None))!;
        // A rollout or live probe saving one host's state (the same state again, so the replies do not change).
        Task Touch() => store.SaveHostStateAsync(touched, CancellationToken.None);

        var fleetReply = await Command(router, "!status");
        var hostReply = await Command(router, "!status " + failedHost);
        log.WriteLine("  !status reply:");
        foreach (var line in fleetReply.Split('\n').Take(12)) log.WriteLine("    | " + line);
        log.WriteLine($"    | … ({fleetReply.Split('\n').Length} lines, {fleetReply.Length} chars)");
        log.WriteLine($"  !status {failedHost} reply:");
        foreach (var line in hostReply.Split('\n')) log.WriteLine("    | " + line);
        // The reply is complete once its last line is on stdout (chunks are delivered in order).
        var fleetLast = fleetReply.Split('\n')[^1];
        var hostLast = hostReply.Split('\n')[^1];

        var results = new List<Stats>
        {
            await Stats.MeasureAsync("production heads (IProductionHeadsSource)", warmup, iterations, () => heads.CurrentAsync(CancellationToken.None)),
            await Stats.MeasureAsync("store.GetHostStates()", warmup, iterations, () => store.GetHostStatesAsync(CancellationToken.None)),
            await Stats.MeasureAsync("store.GetHostStates(), a host state just saved", warmup, iterations, Touch, () => store.GetHostStatesAsync(CancellationToken.None)),
            await Stats.MeasureAsync("store.SaveHostState (a rollout, per host)", warmup, iterations, Touch),
            await Stats.MeasureAsync("store.GetHosts(last rollout) (coordinator.Current)", warmup, Math.Min(iterations, 20), () => store.GetHostsAsync(lastRollout, CancellationToken.None)),
            await Stats.MeasureAsync("FleetStatus.Build", warmup, iterations, () => Task.FromResult(FleetStatus.Build(fleet, resolved.Heads.Revisions, statesNow))),
            await Stats.MeasureAsync("IStatusSection lines (repos, locks…)", warmup, iterations, async () =>
            {
                foreach (var section in sections) await section.LinesAsync(null, CancellationToken.None);
            }),
            await Stats.MeasureAsync("StatusReport.FleetAsync", warmup, iterations, () => report.FleetAsync(null, CancellationToken.None)),
            await Stats.MeasureAsync("router: !status", warmup, iterations, () => Command(router, "!status")),
            await Stats.MeasureAsync("router: !status <host>", warmup, iterations, () => Command(router, "!status " + failedHost)),
            await Stats.MeasureAsync("router: !status foopy (role)", warmup, iterations, () => Command(router, "!status foopy")),
            await Stats.MeasureAsync("chat outbox: enqueue one line -> on stdout", warmup, iterations, async () =>
            {
                var after = stdout.Count;
                await outbox.EnqueueAsync(transport.DefaultChannel, "bench");
                await stdout.WaitForAsync(l => l.EndsWith("] bench", StringComparison.Ordinal), after, TimeSpan.FromSeconds(60));
            }),
            await Stats.MeasureAsync("chat e2e: !status (stdin line -> reply on stdout)", warmup, iterations, () => SayAsync(stdin, stdout, "!status", fleetLast)),
            await Stats.MeasureAsync("chat e2e: !status <host>", warmup, iterations, () => SayAsync(stdin, stdout, "!status " + failedHost, hostLast)),
            await Stats.MeasureAsync("chat e2e: !status, a host state just saved", warmup, iterations, Touch, () => SayAsync(stdin, stdout, "!status", fleetLast)),
        };

        return results;
    }

    private static async Task<string> Command(CommandRouter router, string text)
    {
        var reply = await router.HandleAsync(new ChatMessage("releng", "bench", "bench", [], text), CancellationToken.None)
            ?? throw new InvalidOperationException($"no reply to {text}");
        if (reply.IsError || reply.Refused) throw new InvalidOperationException($"{text}: {reply.Text}");
        return reply.Text;
    }

    private static Task SayAsync(LineReader stdin, LineCollector stdout, string line, string lastLine)
    {
        var after = stdout.Count;
        stdin.Say(line);
        return stdout.WaitForAsync(l => l.EndsWith("] " + lastLine, StringComparison.Ordinal), after, TimeSpan.FromSeconds(60));
    }
}
