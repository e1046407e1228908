using System.Globalization;
using ChatOpsReconfig.Bench.Scale;

// dotnet run -c Release --project bench/scale [-- status|rss|web|all] [--sizes 100,1000,5000] [--iterations 50]
//   [--warmup 5] [--idle 150] [--keep] [--chatops DLL] [NAME=VALUE ...]
// --chatops measures another build's chatops.dll in the rss mode, e.g. the published (ReadyToRun) one.
// NAME=VALUE arguments go into the environment of the chatops process the rss mode starts (e.g. DOTNET_TieredPGO=0).
var mode = args.Length > 0 && args[0] is "status" or "rss" or "web" or "rollout" or "writes" or "failover" or "all" ? args[0] : "all";
var sizes = Option("--sizes")?.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() ?? [100, 1000, 5000];
var iterations = int.Parse(Option("--iterations") ?? "50", CultureInfo.InvariantCulture);
var warmup = int.Parse(Option("--warmup") ?? "5", CultureInfo.InvariantCulture);
// Steady state: RSS still grows for a minute or two after the greeting (polls, ticks, tier-1 JIT).
var idle = int.Parse(Option("--idle") ?? "150", CultureInfo.InvariantCulture);
var keep = args.Contains("--keep");
var chatopsDll = Option("--chatops") is { } d ? Path.GetFullPath(d) : null;
var env = args.Where(a => a.Contains('=', StringComparison.Ordinal) && !a.StartsWith("--", StringComparison.Ordinal))
    .Select(a => a.Split('=', 2)).ToDictionary(a => a[0], a => a[1], StringComparer.Ordinal);
var log = Console.Out;

log.WriteLine($"machine: {Environment.ProcessorCount} cpus, {TotalRamMb()} MB RAM, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; load average {LoadAverage()}");
const double TargetMs = 50;
const long TargetRssKb = 80 * 1024;

if (mode is "writes")
{
    log.WriteLine();
    log.WriteLine("== store write throughput (one transaction per write) ==");
    foreach (var n in sizes) await StoreWritesBench.RunAsync(n, Option("--pg") ?? Environment.GetEnvironmentVariable("CHATOPS_BENCH_PG"), log);
}

if (mode is "failover")
{
    // Two published bots on one PostgreSQL (--pg: a connection string whose user may CREATE DATABASE).
    log.WriteLine();
    log.WriteLine("== failover: leader kill -9 -> standby's takeover greeting ==");
    var failoverDll = chatopsDll ?? Path.Combine(Paths.RepoRoot(), "src", "Bot", "bin", "Release", "net10.0", "chatops.dll");
    await FailoverBench.RunAsync(failoverDll, Option("--pg") ?? Environment.GetEnvironmentVariable("CHATOPS_BENCH_PG") ?? throw new InvalidOperationException("--pg CONNECTION_STRING"),
        int.Parse(Option("--runs") ?? "5", CultureInfo.InvariantCulture), int.Parse(Option("--lease") ?? "10", CultureInfo.InvariantCulture), log);
}

if (mode is "status" or "all")
{
    var summary = new List<(int N, Stats Stats)>();
    foreach (var n in sizes)
    {
        log.WriteLine();
        log.WriteLine($"== !status at {n} hosts ==");
        var fleet = await Fleet.CreateAsync(n);
        log.WriteLine($"  fleet in {fleet.Directory}: " + string.Join(", ", fleet.ByState.Select(kv => $"{kv.Value.Count} {kv.Key}")) + $", store {fleet.StoreBytes / 1024} KB");
        try
        {
            var results = await StatusBench.RunAsync(fleet, warmup, iterations, log);
            log.WriteLine($"  {"ms (" + iterations + " runs after " + warmup + " warm-up)",-52} {"min",8} {"median",8} {"p95",8} {"max",8} {"cpu med",8}");
            foreach (var s in results)
            {
                log.WriteLine($"  {s.Name,-52} {Stats.Ms(s.Min),8} {Stats.Ms(s.Median),8} {Stats.Ms(s.P95),8} {Stats.Ms(s.Max),8} {Stats.Ms(s.CpuMedian),8}");
                summary.Add((n, s));
            }
        }
        finally
        {
            if (!keep) fleet.Delete();
        }
    }

    log.WriteLine();
    log.WriteLine("== summary: chat e2e !status (stdin line -> reply on stdout), ms ==");
    foreach (var (n, s) in summary.Where(x => x.Stats.Name.StartsWith("chat e2e: !status (", StringComparison.Ordinal)))
        log.WriteLine($"  {n,6} hosts: min {Stats.Ms(s.Min)}, median {Stats.Ms(s.Median)}, p95 {Stats.Ms(s.P95)}, max {Stats.Ms(s.Max)}, cpu median {Stats.Ms(s.CpuMedian)}{(n == 5000 ? s.P95 <= TargetMs ? "  (target <= 50 ms at p95: met)" : "  (target <= 50 ms at p95: MISSED)" : "")}");
}

if (mode is "rss" or "all")
{
    log.WriteLine();
    log.WriteLine($"== idle RSS of the real chatops process{(chatopsDll is null ? "" : " " + chatopsDll)}{(env.Count > 0 ? " with " + string.Join(' ', env.Select(kv => $"{kv.Key}={kv.Value}")) : "")} ==");
    var results = new List<IdleRss.Result>();

    // 1. The default: a temp copy of config/chatops.json (demo fleet, created on first start).
    var demo = Path.Combine(Path.GetTempPath(), "chatops-rss-" + Guid.NewGuid().ToString("N")[..8]);
    Directory.CreateDirectory(Path.Combine(demo, "config"));
    File.Copy(Path.Combine(Paths.RepoRoot(), "config", "chatops.json"), Path.Combine(demo, "config", "chatops.json"));
    try
    {
        results.Add(await IdleRss.MeasureAsync("demo config (5 hosts)", demo, idle, 5, env, log, chatopsDll));
    }
    finally
    {
        if (!keep) Directory.Delete(demo, recursive: true);
    }

    // 2. The generated 5,000-host fleet with its filled store.
    if (sizes.Length > 0)
    {
        var n = sizes.Max();
        var fleet = await Fleet.CreateAsync(n);
        try
        {
            results.Add(await IdleRss.MeasureAsync($"generated fleet ({n} hosts)", fleet.Directory, idle, 5, env, log, chatopsDll));
        }
        finally
        {
            if (!keep) fleet.Delete();
        }
    }

    log.WriteLine($"  {"",-30} {"VmRSS MB",9} {"VmHWM MB",9} {"RSS after 5x !status",21} {"HWM after",10}");
    foreach (var r in results)
    {
        log.WriteLine($"  {r.Label,-30} {Mb(r.RssKb),9} {Mb(r.HwmKb),9} {(r.RssAfterStatusKb is { } a ? Mb(a) : "-"),21} {(r.HwmAfterStatusKb is { } h ? Mb(h) : "-"),10}{(r.Label.StartsWith("demo", StringComparison.Ordinal) ? r.RssKb <= TargetRssKb ? "  (target <= 80 MB: met)" : "  (target <= 80 MB: MISSED)" : "")}");
    }
}

if (mode is "web" or "all")
{
    await WebBench.RunStatusAsync(sizes.Where(n => n >= 1000).DefaultIfEmpty(sizes.Max()).ToArray(), warmup, iterations, chatopsDll, keep, log);
    await WebBench.RunWaitLiveAsync(int.Parse(Option("--rounds") ?? "5", CultureInfo.InvariantCulture), chatopsDll, keep, log);
}

if (mode is "rollout")
{
    // A rollout of N local hosts (largest --sizes, default 5000) by the real bot; --chatops the published chatops.dll.
    var n = Option("--sizes") is null ? 5000 : sizes.Max();
    var parallelism = int.Parse(Option("--parallelism") ?? "50", CultureInfo.InvariantCulture);
    var dll = chatopsDll ?? Path.Combine(Paths.RepoRoot(), "src", "Bot", "bin", "Release", "net10.0", "chatops.dll");
    log.WriteLine();
    // --local-priority: the bot's rollout.localPriority (belowNormal, the default; idle; normal).
    RolloutBench.LocalPriority = Option("--local-priority");
    log.WriteLine($"== rollout of {n} local hosts by {dll}, rollout.localPriority {RolloutBench.LocalPriority ?? "default (belowNormal)"} ==");
    var deadline = Option("--deadline") is { } secs ? TimeSpan.FromSeconds(int.Parse(secs, CultureInfo.InvariantCulture)) : (TimeSpan?)null;
    var r = await RolloutBench.RunAsync(n, parallelism, dll, env, Option("--pg") ?? Environment.GetEnvironmentVariable("CHATOPS_BENCH_PG"), keep, deadline, log);
    var s = r.Status;
    log.WriteLine($"  wall {r.WallSeconds:0.0}s; bot peak RSS (VmHWM) {Mb(r.HwmKb)} MB (target <= 400); store {r.StoreBefore / 1024} KB -> {r.StoreAfter / 1024} KB (+{(r.StoreAfter - r.StoreBefore) / 1024} KB)");
    log.WriteLine($"  !status during the rollout ({s.Samples.Count} asks): min {Stats.Ms(s.Min)}, median {Stats.Ms(s.Median)} (target <= 50), p95 {Stats.Ms(s.P95)} (target <= 150), max {Stats.Ms(s.Max)} ms");
}

log.WriteLine();
log.WriteLine($"load average at the end: {LoadAverage()}");
return 0;

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string Mb(long kb) => (kb / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);

static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

static long TotalRamMb()
{
    var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
    return line is null ? 0 : long.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
}
