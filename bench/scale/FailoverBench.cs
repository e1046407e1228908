using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace ChatOpsReconfig.Bench.Scale;

/// <summary>
/// Failover (issue 11): two real bots on one PostgreSQL store; <c>kill -9</c> of the leader; the time until the
/// standby's greeting (its takeover announcement) is on its stdout. Target: median of 5 runs ≤ 15 s.
/// </summary>
internal static class FailoverBench
{
    public static async Task RunAsync(string dll, string adminConnectionString, int runs, int leaseSeconds, TextWriter log)
    {
        var times = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            var database = await PgBench.CreateDatabaseAsync(adminConnectionString, "failover");
            var dir = Prepare(leaseSeconds);
            var environment = new Dictionary<string, string> { ["CHATOPS_PG"] = database };
            times.Add(await TakeoverSecondsAsync(dll, dir, environment));
            log.WriteLine($"  run {run}: takeover announced {times[^1]:0.00} s after kill -9 (lease {leaseSeconds} s); load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { /* a git process of the killed bot still closing files: /tmp */ }
        }

        times.Sort();
        log.WriteLine($"  median {times[times.Count / 2]:0.00} s, min {times[0]:0.00} s, max {times[^1]:0.00} s (target: median <= 15 s)");
    }

    private static async Task<double> TakeoverSecondsAsync(string dll, string dir, IReadOnlyDictionary<string, string> environment)
    {
        using var leader = Bot.Start(dll, dir, "config/a.json", environment);
        await leader.WaitAsync(l => l.Contains("ChatOpsReconfig is here", StringComparison.Ordinal), stderr: false);
        using var standby = Bot.Start(dll, dir, "config/b.json", environment);
        await standby.WaitAsync(l => l.Contains("bot-b stands by", StringComparison.Ordinal), stderr: true);

        leader.Kill();
        var clock = Stopwatch.StartNew();
        await standby.WaitAsync(l => l.Contains("ChatOpsReconfig is here", StringComparison.Ordinal), stderr: false);
        return clock.Elapsed.TotalSeconds;
    }

    private static string Prepare(int leaseSeconds)
    {
        var dir = Path.Combine(Path.GetTempPath(), "chatops-failover-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(dir, "config"));
        var text = File.ReadAllText(Path.Combine(Paths.RepoRoot(), "config", "chatops.json"));
        foreach (var name in new[] { "a", "b" })
        {
            var json = JsonNode.Parse(text, documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
            json["store"] = new JsonObject { ["kind"] = "postgres", ["connectionStringEnv"] = "CHATOPS_PG" };
            json["ha"] = new JsonObject { ["instance"] = "bot-" + name, ["leaseSeconds"] = leaseSeconds };
            json["web"] = new JsonObject { ["enabled"] = false };
            File.WriteAllText(Path.Combine(dir, "config", name + ".json"), json.ToJsonString());
        }

        return dir;
    }

    /// <summary>One published bot, its stdout and stderr lines.</summary>
    private sealed class Bot : IDisposable
    {
        private readonly Process _process;
        private readonly List<(string Line, bool Stderr)> _lines = [];
        private readonly SemaphoreSlim _changed = new(0);

        private Bot(Process process) => _process = process;

        public static Bot Start(string dll, string dir, string config, IReadOnlyDictionary<string, string> environment)
        {
            var psi = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = dir, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
                UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8,
            };
            foreach (var a in new[] { dll, "run", "--config", config }) psi.ArgumentList.Add(a);
            psi.Environment["CHATOPS_LOG_LEVEL"] = "Information";
            foreach (var (k, v) in environment) psi.Environment[k] = v;
            var bot = new Bot(new Process { StartInfo = psi });
            bot._process.OutputDataReceived += (_, e) => bot.Add(e.Data, false);
            bot._process.ErrorDataReceived += (_, e) => bot.Add(e.Data, true);
            bot._process.Start();
            bot._process.BeginOutputReadLine();
            bot._process.BeginErrorReadLine();
            return bot;
        }

        private void Add(string? line, bool stderr)
        {
            if (line is null) return;
            lock (_lines) _lines.Add((line, stderr));
            _changed.Release();
        }

        public async Task WaitAsync(Func<string, bool> match, bool stderr)
        {
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (true)
            {
                lock (_lines)
                {
                    if (_lines.Any(l => l.Stderr == stderr && match(l.Line))) return;
                }

                if (DateTime.UtcNow > deadline || _process.HasExited) throw new TimeoutException("chatops: the line did not come");
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(200));
            }
        }

        public void Kill() => _process.Kill(entireProcessTree: true);

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }
}
