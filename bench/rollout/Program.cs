using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using ChatOpsReconfig.Bench.Rollout;

// Rollout vs parallel-ssh. See bench/README.md, section "Rollout vs parallel-ssh".
//   dotnet run -c Release --project bench/rollout -- [--hosts 10,50,100] [--reps 5] [--parallelism 10] [--canary 0]
// Internal: "child CONFIG" runs our side once (see OurRollout).
if (args.Length == 2 && args[0] == "child") return await OurRollout.ChildMainAsync(args[1]);

// "serve N [P]" starts N hosts, writes a fleet config and a pssh command line for them and waits for Ctrl-C:
// for profiling one side by hand (CHATOPS_BENCH_TRACE=1 rollout-bench child CONFIG prints where the time goes).
if (args.Length >= 2 && args[0] == "serve" && int.TryParse(args[1], out var serveCount))
{
    var p = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
    await using var served = await LoopbackHosts.StartAsync(serveCount, CancellationToken.None);
    var config = Path.Combine(served.Root, "fleet.json");
    await File.WriteAllTextAsync(config, OurRollout.FleetJson(served, Path.Combine(served.Root, "store.db"), p, 0));
    Console.WriteLine($"config: {config}");
    Console.WriteLine($"pid {Environment.ProcessId}: kill -TERM it to stop the servers");
    Console.WriteLine("parallel-ssh " + string.Join(' ', Sides.PsshArguments(served, p, Path.Combine(served.Root, "pssh-out"), Path.Combine(served.Root, "pssh-err")).Select(a => $"'{a}'")));
    var stop = new TaskCompletionSource();
    // SIGINT is ignored in processes a non-interactive shell starts in the background; SIGTERM works there too.
    using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
    using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
    await stop.Task;
    return 0;
}

var options = BenchOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: rollout-bench [--hosts 10,50,100] [--reps 5] [--parallelism 10] [--canary 0] [--no-steps] [--ours PATH] [--baseline PATH] [--out DIR]");
    return 2;
}

// Ctrl-C or SIGTERM: stop, and still kill every sshd this run started.
using var cts = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cts.Cancel(); });
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });

// Our side is the published (ReadyToRun) build unless --ours names another rollout-bench executable.
var ours = options.Ours ?? await ChildBuild.PublishAsync(options.OutDir, cts.Token);
Console.WriteLine($"ours: {ours}");
var machine = Machine.Describe() + Environment.NewLine + $"ours: {ours}" + (options.Baseline is null ? "" : $"; baseline: {options.Baseline}");
Console.WriteLine(machine);
var rows = new List<Row>();
foreach (var n in options.Hosts)
{
    Console.WriteLine($"--- N = {n}: starting {n} sshd on loopback …");
    var loadBefore = Machine.LoadAverage();
    await using var hosts = await LoopbackHosts.StartAsync(n, cts.Token);
    var parallelism = Math.Min(options.Parallelism, n);
    var sides = new List<Side> { Side.Ours, Side.Pssh };
    if (options.Baseline is not null) sides.Insert(1, Side.OursBaseline);
    if (options.Steps) sides.Add(Side.PsshSteps);
    var runs = sides.ToDictionary(s => s, _ => new List<Measurement>());

    // One untimed run of each first: page cache, sshd's first fork, the runtime's files.
    Console.WriteLine($"warm-up (untimed) with parallelism {parallelism}, canaryCount {options.Canary}");
    foreach (var side in sides) await Sides.RunAsync(side, hosts, parallelism, options.Canary, ours, options.Baseline, cts.Token);

    for (var rep = 0; rep < options.Reps; rep++)
    {
        // Rotate which side goes first, so drift in the machine's load hits every side alike.
        var order = sides.Skip(rep % sides.Count).Concat(sides.Take(rep % sides.Count)).ToList();
        foreach (var side in order) runs[side].Add(await Sides.RunAsync(side, hosts, parallelism, options.Canary, ours, options.Baseline, cts.Token));
        Console.WriteLine($"rep {rep + 1}/{options.Reps} (load {Machine.LoadAverage()}): "
            + string.Join("   ", sides.Select(side => $"{Sides.Label(side)} {runs[side][^1].Describe()}")));
    }

    var row = new Row(n, parallelism, options.Canary, runs, loadBefore, Machine.LoadAverage());
    rows.Add(row);
    Console.WriteLine(row.Describe());
}

var report = Report.Markdown(machine, options, rows);
Console.WriteLine();
Console.WriteLine(report);
Directory.CreateDirectory(options.OutDir);
var file = Path.Combine(options.OutDir, $"rollout-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md");
await File.WriteAllTextAsync(file, report);
Console.WriteLine($"written to {file}");
return 0;

/// <summary>Command-line options.</summary>
internal sealed record BenchOptions(IReadOnlyList<int> Hosts, int Reps, int Parallelism, int Canary, bool Steps, string OutDir, string? Baseline = null, string? Ours = null)
{
    public static BenchOptions? Parse(string[] args)
    {
        var o = new BenchOptions([10, 50, 100], 5, 10, 0, true, Path.Combine("bench", "rollout", "out"));
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--hosts" when value is not null:
                    var list = value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.TryParse(s, out var n) ? n : -1).ToList();
                    if (list.Count == 0 || list.Any(n => n is < 1 or > 500)) return null;
                    o = o with { Hosts = list };
                    i++;
                    break;
                case "--reps" when int.TryParse(value, out var reps) && reps >= 1:
                    o = o with { Reps = reps };
                    i++;
                    break;
                case "--parallelism" when int.TryParse(value, out var p) && p >= 1:
                    o = o with { Parallelism = p };
                    i++;
                    break;
                case "--canary" when int.TryParse(value, out var c) && c >= 0:
                    o = o with { Canary = c };
                    i++;
                    break;
                case "--baseline" when value is not null && File.Exists(value):
                    o = o with { Baseline = Path.GetFullPath(value) };
                    i++;
                    break;
                case "--ours" when value is not null && File.Exists(value):
                    o = o with { Ours = Path.GetFullPath(value) };
                    i++;
                    break;
                case "--no-steps":
                    o = o with { Steps = false };
                    break;
                case "--out" when value is not null:
                    o = o with { OutDir = value };
                    i++;
                    break;
                default:
                    return null;
            }
        }

        return o;
    }
}

