using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ChatOpsReconfig.Bench.Scale;

/// <summary>
/// A rollout of N <c>local</c>-transport hosts with trivial steps, run by the real <c>chatops</c> process (console
/// chat): wall time from <c>!deploy now</c> to the result line, the bot's peak RSS, <c>!status</c> latency while the
/// rollout runs (a line on stdin until the last line of the reply on stdout), and how much the store grew.
/// </summary>
internal static class RolloutBench
{
    /// <summary>The bot's <c>rollout.localPriority</c>, or null for its default.</summary>
    public static string? LocalPriority { get; set; }

    private static readonly System.Text.RegularExpressions.Regex Finished = new(@"rollout #1 (succeeded|failed|halted|cancelled)");

    public sealed record Result(int Hosts, double WallSeconds, long HwmKb, Stats Status, long StoreBefore, long StoreAfter, string Outcome);

    /// <summary>
    /// Runs the rollout on LiteDB, or, with <paramref name="pgAdmin"/> (a connection string whose user may create
    /// databases), on a fresh PostgreSQL database; the store size is then the database's size.
    /// </summary>
    public static async Task<Result> RunAsync(int hosts, int parallelism, string dll, IReadOnlyDictionary<string, string> environment, string? pgAdmin, bool keep, TimeSpan? deadline, TextWriter log)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"chatops-rollout-{hosts}-{Guid.NewGuid().ToString("N")[..8]}");
        try
        {
            var database = pgAdmin is null ? null : await PgBench.CreateDatabaseAsync(pgAdmin, "rollout");
            var (previous, head) = CreateFleet(dir, hosts, parallelism, postgres: database is not null);
            log.WriteLine($"  fleet in {dir}: {hosts} local hosts at {previous[..8]}, production head {head[..8]}, parallelism {parallelism}, store {(database is null ? "LiteDB" : "PostgreSQL")}");
            var env = new Dictionary<string, string>(environment);
            if (database is not null) env["CHATOPS_PG"] = database;
            Func<long> storeBytes = database is null ? () => StoreBytes(dir) : () => PgBench.DatabaseBytes(database);
            return await MeasureAsync(dir, hosts, dll, env, storeBytes, deadline, log);
        }
        finally
        {
            if (!keep)
            {
                try { Directory.Delete(dir, recursive: true); }
                catch (IOException) { /* best effort */ }
            }
        }
    }

    private static (string Previous, string Head) CreateFleet(string dir, int hosts, int parallelism, bool postgres)
    {
        var upstream = Path.Combine(dir, "upstream", "tools");
        Directory.CreateDirectory(upstream);
        Directory.CreateDirectory(Path.Combine(dir, "config"));
        Fleet.Git(upstream, "init", "-q", "-b", "production");
        File.WriteAllText(Path.Combine(upstream, "README"), "tools\n");
        Fleet.Git(upstream, "add", "README");
        Fleet.Git(upstream, "commit", "-q", "-m", "Bug 1040013 - first");
        var previous = Fleet.Git(upstream, "rev-parse", "HEAD");
        File.AppendAllText(Path.Combine(upstream, "README"), "second\n");
        Fleet.Git(upstream, "commit", "-q", "-a", "-m", "Bug 1040014 - second");
        var head = Fleet.Git(upstream, "rev-parse", "HEAD");

        var names = Enumerable.Range(1, hosts).Select(i => $"box{i:D5}").ToList();
        foreach (var name in names)
        {
            var basedir = Path.Combine(dir, "hosts", name);
            Directory.CreateDirectory(basedir);
            File.WriteAllText(Path.Combine(basedir, "rev.txt"), previous + "\n");
        }

        // Trivial steps: the "deployed revision" is a file the update step writes and the revision command reads.
        var config = new JsonObject
        {
            ["dataDir"] = "data",
            ["chat"] = new JsonObject { ["transport"] = "console", ["prefix"] = "!", ["channel"] = "releng", ["consoleUser"] = "you" },
            ["permissions"] = new JsonObject { ["deployers"] = new JsonArray("*"), ["admins"] = new JsonArray("you") },
            ["web"] = new JsonObject { ["enabled"] = false, ["url"] = "http://127.0.0.1:8080" },
            ["repos"] = new JsonObject { ["tools"] = new JsonObject { ["kind"] = "git", ["url"] = upstream, ["branch"] = "production" } },
            ["roles"] = new JsonObject
            {
                ["box"] = new JsonObject
                {
                    ["repos"] = new JsonObject { ["tools"] = new JsonObject { ["path"] = ".", ["revisionCommand"] = "cat rev.txt" } },
                    ["steps"] = new JsonArray(
                        new JsonObject { ["name"] = "update", ["command"] = "echo {rev:tools} > rev.txt", ["timeoutSeconds"] = 60 },
                        new JsonObject { ["name"] = "reconfig", ["command"] = "echo reconfigured {host}", ["timeoutSeconds"] = 60 }),
                },
            },
            ["hosts"] = new JsonArray(names.Select(n => (JsonNode)new JsonObject
            {
                ["name"] = n, ["role"] = "box", ["transport"] = "local", ["basedir"] = Path.Combine("hosts", n),
            }).ToArray()),
            ["rollout"] = LocalPriority is null
                ? new JsonObject { ["canaryCount"] = 1, ["parallelism"] = parallelism }
                : new JsonObject { ["canaryCount"] = 1, ["parallelism"] = parallelism, ["localPriority"] = LocalPriority },
        };
        if (postgres) config["store"] = new JsonObject { ["kind"] = "postgres", ["connectionStringEnv"] = "CHATOPS_PG" };
        File.WriteAllText(Path.Combine(dir, "config", "chatops.json"), config.ToJsonString());
        return (previous, head);
    }

    private static async Task<Result> MeasureAsync(string dir, int hosts, string dll, IReadOnlyDictionary<string, string> environment, Func<long> storeBytes, TimeSpan? deadline, TextWriter log)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(Path.Combine("config", "chatops.json"));
        foreach (var (k, v) in environment) psi.Environment[k] = v;

        var lines = new List<(string Text, long At)>();
        var gate = new Lock();
        var changed = new SemaphoreSlim(0);
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (gate) lines.Add((e.Data, Stopwatch.GetTimestamp()));
            changed.Release();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null && !e.Data.Contains(": Information:", StringComparison.Ordinal)) log.WriteLine("  chatops stderr: " + e.Data);
        };

        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            int Count() { lock (gate) return lines.Count; }
            (string Text, long At)? Find(int from, Func<string, bool> match)
            {
                lock (gate) return lines.Skip(from).Cast<(string, long)?>().FirstOrDefault(l => match(l!.Value.Item1));
            }

            async Task<(string Text, long At)> WaitAsync(int from, Func<string, bool> match, int seconds)
            {
                var deadline = DateTime.UtcNow.AddSeconds(seconds);
                while (true)
                {
                    if (Find(from, match) is { } hit) return hit;
                    if (process.HasExited) throw new InvalidOperationException($"chatops exited with {process.ExitCode}");
                    if (DateTime.UtcNow > deadline) throw new TimeoutException($"chatops: nothing after {seconds}s");
                    await changed.WaitAsync(TimeSpan.FromMilliseconds(500));
                }
            }

            async Task SayAsync(string text)
            {
                await process.StandardInput.WriteLineAsync(text);
                await process.StandardInput.FlushAsync();
            }

            await WaitAsync(0, l => l.StartsWith("[#releng] ChatOpsReconfig is here", StringComparison.Ordinal), 300);
            // A fleet this bot has never seen is read once at start (every host's revisions, at rollout.parallelism);
            // a production fleet was seen long ago, so the rollout starts once no host is "unknown" any more.
            var probeClock = Stopwatch.StartNew();
            while (true)
            {
                var asked = Count();
                await SayAsync("!status");
                var summary = (await WaitAsync(asked, l => l.Contains($"{hosts} hosts: ", StringComparison.Ordinal), 120)).Text;
                if (!summary.Contains("unknown", StringComparison.Ordinal)) break;
                await Task.Delay(2000);
            }

            log.WriteLine($"  start-up probe of the unseen fleet done after {probeClock.Elapsed.TotalSeconds:0} s");
            // The policy may start the rollout itself once the watcher has read the head; either way it is rollout #1.
            var storeBefore = storeBytes();
            log.WriteLine($"  greeting; store {storeBefore / 1024} KB; asking !deploy now");
            var from = Count();
            var clock = Stopwatch.StartNew();
            await SayAsync("!deploy now");
            await WaitAsync(0, l => l.Contains("rollout #1", StringComparison.Ordinal), 300);

            var samples = new List<double>();
            string? finished = null;
            while (finished is null)
            {
                var before = Count();
                var sent = Stopwatch.GetTimestamp();
                await SayAsync("!status");
                var reply = await WaitAsync(before, l => l.Contains("full table: ", StringComparison.Ordinal), 120);
                samples.Add(Stopwatch.GetElapsedTime(sent, reply.At).TotalMilliseconds);
                finished = Find(from, l => Finished.IsMatch(l))?.Text;
                var running = Find(before, l => l.Contains("running: rollout 1", StringComparison.Ordinal))?.Text;
                log.WriteLine($"  {clock.Elapsed.TotalSeconds,7:0.0}s !status {samples[^1],8:0.0} ms  rss {IdleRss.Read(process.Id).Hwm / 1024} MB  {running?.Split("running: ")[1]}  load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
                if (finished is null && deadline is { } d && clock.Elapsed > d)
                {
                    // Out of time on a loaded machine: stop the rollout and report what was measured.
                    await SayAsync("!deploy cancel");
                    finished = (await WaitAsync(from, l => Finished.IsMatch(l), 600)).Text + " (cancelled by the bench after --deadline)";
                }
                if (finished is null) await Task.Delay(200);
            }

            var wall = clock.Elapsed.TotalSeconds;
            var (_, hwm) = IdleRss.Read(process.Id);
            log.WriteLine($"  {finished}");
            // A checkpoint happens when the bot stops; the store growth is read after that.
            process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
            var storeAfter = storeBytes();
            var data = new FileInfo(Path.Combine(dir, "data", "chatops.db"));
            var liteLog = new FileInfo(Path.Combine(dir, "data", "chatops-log.db"));
            log.WriteLine($"  bot exit {(process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "killed")}"
                + (data.Exists ? $"; data file {data.Length / 1024} KB, log file {(liteLog.Exists ? liteLog.Length / 1024 : 0)} KB" : $"; database {storeAfter / 1024} KB"));
            return new Result(hosts, wall, hwm, new Stats("!status during the rollout", samples, samples), storeBefore, storeAfter, finished);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The data file and LiteDB's log (uncheckpointed commits), in bytes.</summary>
    private static long StoreBytes(string dir)
    {
        var data = Path.Combine(dir, "data", "chatops.db");
        var logFile = Path.Combine(dir, "data", "chatops-log.db");
        return (File.Exists(data) ? new FileInfo(data).Length : 0) + (File.Exists(logFile) ? new FileInfo(logFile).Length : 0);
    }
}
