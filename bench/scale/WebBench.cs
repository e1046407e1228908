using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatOpsReconfig.Bench.Scale;

/// <summary>
/// The web side as users run it: the real <c>chatops</c> process serving <c>/api/status</c> and <c>/</c> for a
/// generated fleet (store filled), timed by an HTTP client on the same machine, next to Python's
/// <c>http.server</c> serving the very same bytes as static files (the cheapest way to hand out that page); and
/// <c>chatops wait-live</c> against a real rollout of the demo fleet: how long after the last host finished it returns.
/// </summary>
internal static class WebBench
{
    public static async Task RunStatusAsync(int[] sizes, int warmup, int iterations, string? chatopsDll, bool keep, TextWriter log)
    {
        foreach (var n in sizes)
        {
            log.WriteLine();
            log.WriteLine($"== /api/status and / at {n} hosts ==");
            var fleet = await Fleet.CreateAsync(n);
            var port = FreePort();
            var config = JsonNode.Parse(File.ReadAllText(fleet.ConfigPath))!.AsObject();
            config["web"] = new JsonObject { ["enabled"] = true, ["url"] = $"http://127.0.0.1:{port}" };
            File.WriteAllText(fleet.ConfigPath, config.ToJsonString());
            await using var bot = await BotProcess.StartAsync(fleet.Directory, chatopsDll, log);
            var staticDir = Directory.CreateTempSubdirectory("chatops-static-").FullName;
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
            try
            {
                // Hosted services (and the greeting) start before Kestrel listens.
                await WaitUpAsync(http, "/healthz");
                // The same bytes, for the static server.
                await File.WriteAllBytesAsync(Path.Combine(staticDir, "status.json"), await http.GetByteArrayAsync("/api/status"));
                await File.WriteAllBytesAsync(Path.Combine(staticDir, "index.html"), await http.GetByteArrayAsync("/"));
                var staticPort = FreePort();
                using var python = Process.Start(new ProcessStartInfo("python3", ["-m", "http.server", staticPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", staticDir])
                {
                    RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
                })!;
                using var py = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{staticPort}"), Timeout = TimeSpan.FromSeconds(60) };
                await WaitUpAsync(py, "/status.json");
                try
                {
                    var rows = new List<(string Name, long Bytes, Stats Stats)>
                    {
                        await TimeAsync(http, "chatops GET /api/status", "/api/status", warmup, iterations),
                        await TimeAsync(http, "chatops GET /", "/", warmup, iterations),
                        await TimeAsync(http, "chatops GET /healthz (floor)", "/healthz", warmup, iterations),
                        await TimeAsync(py, "python3 http.server, same JSON as a file", "/status.json", warmup, iterations),
                        await TimeAsync(py, "python3 http.server, same HTML as a file", "/index.html", warmup, iterations),
                    };
                    log.WriteLine($"  {"ms (" + iterations + " sequential GETs after " + warmup + " warm-up)",-48} {"KB",7} {"min",7} {"median",7} {"p95",7} {"p99",7} {"max",7}");
                    foreach (var (name, bytes, s) in rows)
                        log.WriteLine($"  {name,-48} {bytes / 1024,7} {Stats.Ms(s.Min),7} {Stats.Ms(s.Median),7} {Stats.Ms(s.P95),7} {Stats.Ms(s.Percentile(99)),7} {Stats.Ms(s.Max),7}{(name.StartsWith("chatops GET /", StringComparison.Ordinal) && !name.Contains("healthz", StringComparison.Ordinal) ? s.Percentile(99) <= 100 ? "  (p99 <= 100 ms: met)" : "  (p99 <= 100 ms: MISSED)" : "")}");
                    var (rss, hwm) = IdleRss.Read(bot.Pid);
                    log.WriteLine($"  chatops VmRSS {rss / 1024} MB, VmHWM {hwm / 1024} MB after the runs");
                }
                finally
                {
                    python.Kill();
                }
            }
            finally
            {
                Directory.Delete(staticDir, recursive: true);
                await bot.DisposeAsync();
                if (!keep) fleet.Delete();
            }
        }
    }

    /// <summary>
    /// The demo fleet with the web on: per round, a commit to tools, a hook so the bot sees it, <c>wait-live</c> started
    /// for the new head, then <c>!deploy now</c>; the figure is wait-live's exit minus the last host's finish (from
    /// <c>/api/rollouts/{id}</c>, the bot's clock; same machine).
    /// </summary>
    public static async Task RunWaitLiveAsync(int rounds, string? chatopsDll, bool keep, TextWriter log)
    {
        log.WriteLine();
        log.WriteLine($"== wait-live: return after the last host finished ({rounds} rollouts of the demo fleet, 5 hosts) ==");
        var dir = Path.Combine(Path.GetTempPath(), "chatops-waitlive-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(dir, "config"));
        var port = FreePort();
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(Paths.RepoRoot(), "config", "chatops.json")), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        config["web"] = new JsonObject { ["enabled"] = true, ["url"] = $"http://127.0.0.1:{port}", ["hookSecretEnv"] = "CHATOPS_BENCH_NO_SECRET" };
        File.WriteAllText(Path.Combine(dir, "config", "chatops.json"), config.ToJsonString());
        var url = $"http://127.0.0.1:{port}";
        await using var bot = await BotProcess.StartAsync(dir, chatopsDll, log);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var lags = new List<double>();
        try
        {
            await WaitUpAsync(http, "/healthz");
            var upstream = Path.Combine(dir, "data", "demo", "upstream", "tools");
            for (var round = 1; round <= rounds; round++)
            {
                File.AppendAllText(Path.Combine(upstream, "README"), $"round {round}\n");
                Fleet.Git(upstream, "-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit", "-q", "-am", $"Bug 1040013 - round {round}");
                var head = Fleet.Git(upstream, "rev-parse", "HEAD");
                using var push = new HttpRequestMessage(HttpMethod.Post, "/hooks/git?repo=tools")
                {
                    Content = new StringContent($"{{\"ref\":\"refs/heads/production\",\"after\":\"{head}\",\"repository\":{{\"name\":\"tools\"}}}}", Encoding.UTF8, "application/json"),
                    Headers = { { "X-GitHub-Event", "push" } },
                };
                var hook = await http.SendAsync(push);
                if (hook.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"hook: {hook.StatusCode}");
                await WaitAsync(async () => (await http.GetStringAsync("/api/status")).Contains(head[..12], StringComparison.Ordinal), 60);

                var wait = WaitLive(chatopsDll, url, head);
                await bot.SayAsync("!deploy now");
                var output = await wait.StandardOutput.ReadToEndAsync();
                await wait.WaitForExitAsync();
                var exited = DateTimeOffset.UtcNow;
                if (wait.ExitCode != 0) throw new InvalidOperationException($"wait-live exited {wait.ExitCode}: {output}");

                using var status = JsonDocument.Parse(await http.GetStringAsync("/api/status"));
                var id = status.RootElement.GetProperty("rollouts")[0].GetProperty("id").GetInt32();
                using var rollout = JsonDocument.Parse(await http.GetStringAsync($"/api/rollouts/{id}"));
                var last = rollout.RootElement.GetProperty("results").EnumerateArray().Max(r => r.GetProperty("finishedAt").GetDateTimeOffset());
                var lag = (exited - last).TotalMilliseconds;
                lags.Add(lag);
                log.WriteLine($"  round {round}: rollout #{id}, last host finished {last:HH:mm:ss.fff}, wait-live exited {exited:HH:mm:ss.fff}: {lag:0} ms later");
                await WaitAsync(async () => !(await http.GetStringAsync("/api/status")).Contains("\"running\":{", StringComparison.Ordinal), 60);
            }

            lags.Sort();
            log.WriteLine($"  after the last host: min {lags[0]:0} ms, median {lags[lags.Count / 2]:0} ms, max {lags[^1]:0} ms{(lags[^1] <= 2000 ? "  (target <= 2 s: met)" : "  (target <= 2 s: MISSED)")}");
        }
        finally
        {
            await bot.DisposeAsync();
            if (!keep) Directory.Delete(dir, recursive: true);
        }
    }

    private static Process WaitLive(string? chatopsDll, string url, string head)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Dll(chatopsDll), "wait-live", "--url", url, "--repo", "tools", "--rev", head, "--timeout", "5m" }) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    private static async Task<(string, long, Stats)> TimeAsync(HttpClient http, string name, string path, int warmup, int iterations)
    {
        long bytes = 0;
        var stats = await Stats.MeasureAsync(name, warmup, iterations, async () =>
        {
            using var response = await http.GetAsync(path);
            response.EnsureSuccessStatusCode();
            bytes = (await response.Content.ReadAsByteArrayAsync()).LongLength;
        });
        return (name, bytes, stats);
    }

    private static async Task WaitUpAsync(HttpClient http, string path) =>
        await WaitAsync(async () =>
        {
            try { return (await http.GetAsync(path)).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, 30);

    private static async Task WaitAsync(Func<Task<bool>> done, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"nothing after {seconds}s");
            await Task.Delay(100);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string Dll(string? chatopsDll) =>
        chatopsDll ?? Path.Combine(Paths.RepoRoot(), "src", "Bot", "bin", "Release", "net10.0", "chatops.dll");

    /// <summary>The bot in console mode with stdin kept open; started in the directory holding config/chatops.json.</summary>
    private sealed class BotProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly SemaphoreSlim _greeted = new(0);

        private BotProcess(Process process) => _process = process;

        public int Pid => _process.Id;

        public static async Task<BotProcess> StartAsync(string directory, string? chatopsDll, TextWriter log)
        {
            var dll = Dll(chatopsDll);
            if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} not found: dotnet build -c Release src/Bot", dll);
            var psi = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = directory, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var a in new[] { dll, "--config", Path.Combine("config", "chatops.json") }) psi.ArgumentList.Add(a);
            var bot = new BotProcess(new Process { StartInfo = psi });
            bot._process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith("[#releng] ChatOpsReconfig is here", StringComparison.Ordinal) == true) bot._greeted.Release();
            };
            bot._process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) log.WriteLine("  chatops stderr: " + e.Data);
            };
            bot._process.Start();
            bot._process.BeginOutputReadLine();
            bot._process.BeginErrorReadLine();
            if (!await bot._greeted.WaitAsync(TimeSpan.FromSeconds(120))) throw new TimeoutException("chatops did not greet within 120 s");
            return bot;
        }

        public async Task SayAsync(string line)
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (_process.HasExited) return;
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }
}
