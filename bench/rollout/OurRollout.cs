using System.Diagnostics;
using System.Text.Json;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Bench.Rollout;

/// <summary>What one run of our side measured (printed by the child as one JSON line).</summary>
internal sealed record OurRun(double RolloutMs, string State, int Ok, int Hosts, long PeakRssKb, string? Summary, string? FirstError);

/// <summary>
/// Our side, run in a child process per measurement: load the fleet config the parent wrote, wire the Deployer as
/// <c>chatops deploy</c> does (AddDeployer: real SshTransport, LiteDB store), run one rollout with
/// <see cref="RolloutRunner"/> to the given revision set, check every host ended ok with the expected revision
/// read back, print the rollout time and the process's peak RSS (VmHWM).
/// </summary>
internal static class OurRollout
{
    public const string Revision = "0123456789abcdef0123456789abcdef01234567";

    public const string Repo = "tools";

    /// <summary>The three steps both sides run on every host.</summary>
    public static readonly string[] Steps = ["true", "echo ok", "date"];

    public static async Task<int> ChildMainAsync(string configPath)
    {
        var phases = Stopwatch.StartNew();
        var startup = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
        var trace = Environment.GetEnvironmentVariable("CHATOPS_BENCH_TRACE") == "1";
        if (trace)
        {
            // The same work FleetConfigLoader.Load does, in two timed halves.
            var text = File.ReadAllText(configPath);
            var t0 = phases.Elapsed.TotalMilliseconds;
            var parsed = JsonSerializer.Deserialize<FleetConfig>(text, FleetConfigLoader.JsonOptions)!;
            var t1 = phases.Elapsed.TotalMilliseconds;
            var problems = FleetConfigValidator.Validate(parsed, []);
            var t2 = phases.Elapsed.TotalMilliseconds;
            Console.Error.WriteLine($"config (cold): read {t0:0} ms, deserialize {t1 - t0:0} ms, validate {t2 - t1:0} ms ({problems.Count} problems)");
            phases.Restart();
        }

        var fleet = FleetConfigLoader.Load(configPath);
        var loaded = phases.Elapsed.TotalMilliseconds;
        var services = new ServiceCollection();
        // chatops deploy logs warnings to the console; a clean run logs nothing, so no provider is needed here.
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddDeployer(fleet);
        if (trace)
        {
            services.AddSingleton<HostTransportFactory>();
            services.AddSingleton<IHostTransportFactory>(sp => new TracingTransportFactory(sp.GetRequiredService<HostTransportFactory>()));
            services.AddSingleton<RolloutStore>();
            services.AddSingleton(sp => new TracingStore(sp.GetRequiredService<RolloutStore>()));
            services.AddSingleton<IRolloutStore>(sp => sp.GetRequiredService<TracingStore>());
        }

        await using var provider = services.BuildServiceProvider();
        var built = phases.Elapsed.TotalMilliseconds;
        provider.GetRequiredService<StoreDatabase>();
        var opened = phases.Elapsed.TotalMilliseconds;
        await provider.GetRequiredService<StartupRecovery>().MarkInterruptedAsync(CancellationToken.None);
        var storeOpen = phases.Elapsed.TotalMilliseconds;
        if (trace) Console.Error.WriteLine($"services built {built - loaded:0} ms, store opened {opened - built:0} ms, interrupted rollouts marked {storeOpen - opened:0} ms");

        // CHATOPS_BENCH_REPEAT=k runs k-1 untimed rollouts first (a warm process, as in the long-running bot).
        var repeat = int.TryParse(Environment.GetEnvironmentVariable("CHATOPS_BENCH_REPEAT"), out var k) ? k : 1;
        // chatops deploy prints a line per HostStarted/HostFinished; draining the same events keeps that cost.
        var events = provider.GetRequiredService<DeployerEvents>();
        var reader = events.Subscribe();
        var printed = 0;
        var printer = Task.Run(async () =>
        {
            await foreach (var e in reader.ReadAllAsync())
            {
                if (e is HostStarted or HostFinished) printed++;
                if (e is RolloutFinished && printed >= 2 * repeat * fleet.Hosts.Count) return;
            }
        });

        var runner = provider.GetRequiredService<RolloutRunner>();
        var revisions = new RevisionSet(new Dictionary<string, string>(StringComparer.Ordinal) { [Repo] = Revision });
        var plan = new RolloutPlan(revisions, fleet.Hosts.Select(h => h.Name).ToList(), Environment.UserName);
        for (var i = 1; i < repeat; i++) await runner.RunAsync(plan, CancellationToken.None);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        if (trace) TracingTransportFactory.Mark("rollout starts");
        var clock = Stopwatch.StartNew();
        var rollout = await runner.RunAsync(plan, CancellationToken.None);
        clock.Stop();
        if (trace) TracingTransportFactory.Mark("rollout ends");
        if (trace) Console.Error.WriteLine($"process start to Main {startup:0} ms; config load {loaded:0} ms (warm if split above); services + store open {storeOpen - loaded:0} ms");
        if (trace) Console.Error.WriteLine($"rollout: {clock.Elapsed.TotalMilliseconds:0} ms wall, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds:0} ms CPU; {provider.GetRequiredService<TracingStore>().Summary}");
        await printer;
        events.Unsubscribe(reader);

        var results = await provider.GetRequiredService<IRolloutStore>().GetHostsAsync(rollout.Id, CancellationToken.None);
        var good = results.Count(r => r.Outcome == HostOutcome.Ok
            && r.Steps.Count == Steps.Length && r.Steps.All(s => s.Status == StepStatus.Ok)
            && r.Steps[1].StdoutTail == "ok\n"
            && r.Before.GetValueOrDefault(Repo) == Revision && r.After.GetValueOrDefault(Repo) == Revision);
        var firstError = results.FirstOrDefault(r => r.Outcome != HostOutcome.Ok)?.Failure?.ToString();
        var run = new OurRun(clock.Elapsed.TotalMilliseconds, rollout.State.ToString(), good, fleet.Hosts.Count, PeakRssKb(), rollout.Tally?.ToString(), firstError);
        if (trace)
        {
            foreach (var l in TracingTransportFactory.Lines.OrderBy(l => double.Parse(l.AsSpan(0, 8), System.Globalization.CultureInfo.InvariantCulture))) Console.Error.WriteLine(l);
        }

        Console.WriteLine(JsonSerializer.Serialize(run));
        return good == fleet.Hosts.Count && printed == 2 * repeat * fleet.Hosts.Count ? 0 : 1;
    }

    /// <summary>VmHWM of this process in kB (peak resident set size), from /proc/self/status.</summary>
    public static long PeakRssKb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }

        return -1;
    }

    /// <summary>The fleet config for the hosts: one repo with a cheap revision command, one role of three steps.</summary>
    public static string FleetJson(LoopbackHosts hosts, string storePath, int parallelism, int canaryCount)
    {
        var config = new Dictionary<string, object>
        {
            ["dataDir"] = hosts.Root,
            ["storePath"] = storePath,
            ["repos"] = new Dictionary<string, object>
            {
                // Never contacted: the benchmark pins the revision set itself instead of reading mirrors.
                [Repo] = new { kind = "hg", url = "https://hg.example.com/build/tools", branch = "default" },
            },
            ["roles"] = new Dictionary<string, object>
            {
                ["bench"] = new
                {
                    repos = new Dictionary<string, object> { [Repo] = new { path = "tools", revisionCommand = $"echo {Revision}" } },
                    steps = new object[]
                    {
                        new { name = "update", command = Steps[0], timeoutSeconds = 60 },
                        new { name = "checkconfig", command = Steps[1], timeoutSeconds = 60, gate = true },
                        new { name = "reconfig", command = Steps[2], timeoutSeconds = 60 },
                    },
                },
            },
            ["hosts"] = hosts.Hosts.Select(h => new { name = h.Name, address = "127.0.0.1", port = h.Port, role = "bench", basedir = h.Basedir }).ToList(),
            ["ssh"] = new
            {
                user = LoopbackHosts.User,
                keyFile = hosts.UserKey,
                // A variable nobody sets, so a CHATOPS_SSH_KEY in the environment cannot change the key.
                keyFileEnv = "CHATOPS_BENCH_UNSET_KEY",
                keyPassphraseEnv = "CHATOPS_BENCH_UNSET_PASSPHRASE",
                knownHosts = hosts.KnownHosts,
                connectTimeoutSeconds = 10,
            },
            ["rollout"] = new { canaryCount, parallelism, connectAttempts = 3, connectBackoffSeconds = 1 },
        };
        return JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true });
    }
}
