using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatOpsReconfig.Bench.Hooks;

// Push-to-announcement latency of the real chatops process, with push hooks and with polling only, and the cost of
// an idle poll cycle over 20 repos. Prints a Markdown section for bench/README.md ("Repo watching").
const int Samples = 20;
const int PollSeconds = 5;
const int IdleRepos = 20;
const int IdleCycles = 10;

var root = Directory.CreateTempSubdirectory("chatops-bench-hooks-").FullName;
var secret = "bench-" + Guid.NewGuid().ToString("N");
var secretFile = Path.Combine(root, "hook-secret");
File.WriteAllText(secretFile, secret + "\n");
var loadBefore = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
var report = new StringBuilder();
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

try
{
    Console.Error.WriteLine($"bench in {root}");
    var git = BenchRepo.Create("git", "git-app", Path.Combine(root, "git-app"));
    var hg = (HgBenchRepo)BenchRepo.Create("hg", "hg-app", Path.Combine(root, "hg-app"));

    // 1. Hooks: the bot would poll hourly; GitHub's hook is sent by the bench after the push, hg's by the README's
    // changegroup line inside the push.
    List<double> gitHook, hgHook;
    await using (var bot = await StartBotAsync("hooked", [git, hg], pollSeconds: 3600, "Information"))
    {
        hg.InstallHook(ReadmeHookLine(signed: true)
            .Replace("\\\"repo\\\":\\\"tools\\\"", $"\\\"repo\\\":\\\"{hg.Name}\\\"", StringComparison.Ordinal)
            .Replace("http://127.0.0.1:8080", bot.Url!.ToString().TrimEnd('/'), StringComparison.Ordinal)
            .Replace("/etc/chatops/hook-secret", secretFile, StringComparison.Ordinal));
        for (var i = 0; i < 2; i++)
        {
            await HookedGitPushAsync(bot, git); // warm-up: JIT, first HTTP connection
            await PushAsync(bot, hg);
        }

        gitHook = [];
        hgHook = [];
        for (var i = 0; i < Samples; i++)
        {
            gitHook.Add(await HookedGitPushAsync(bot, git));
            hgHook.Add(await PushAsync(bot, hg));
            Console.Error.WriteLine($"hook sample {i + 1}: git {gitHook[^1]:0} ms, hg {hgHook[^1]:0} ms");
        }
    }

    // 2. Polling only, every PollSeconds; pushes land at a random moment of the interval.
    hg.RemoveHooks();
    List<double> gitPoll = [], hgPoll = [];
    await using (var bot = await StartBotAsync("polling", [git, hg], PollSeconds, "Information"))
    {
        for (var i = 0; i < Samples; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(Random.Shared.NextDouble() * PollSeconds));
            gitPoll.Add(await PushAsync(bot, git));
            await Task.Delay(TimeSpan.FromSeconds(Random.Shared.NextDouble() * PollSeconds));
            hgPoll.Add(await PushAsync(bot, hg));
            Console.Error.WriteLine($"poll sample {i + 1}: git {gitPoll[^1]:0} ms, hg {hgPoll[^1]:0} ms");
        }
    }

    // 3. Idle cycles over 20 repos (half git, half hg): every repo polled at once, nothing new upstream.
    var idle = Enumerable.Range(1, IdleRepos)
        .Select(i => BenchRepo.Create(i % 2 == 0 ? "hg" : "git", $"repo-{i:00}", Path.Combine(root, $"idle-{i:00}")))
        .ToList();
    List<double> cycleWall = [], cycleSelf = [], cycleChildren = [], gitPollMs = [], hgPollMs = [];
    double idleSelfPerSecond;
    await using (var bot = await StartBotAsync("idle", idle, pollSeconds: 3600, "Debug"))
    {
        for (var i = 0; i < 5; i++) await IdleCycleAsync(bot, idle); // warm-up: JIT, HTTP connections
        await Task.Delay(TimeSpan.FromSeconds(10)); // background JIT of what the cycles made hot
        var (quietSelf, _) = bot.Cpu();
        await Task.Delay(TimeSpan.FromSeconds(20));
        idleSelfPerSecond = (bot.Cpu().Self - quietSelf) / 20;
        var measuredFrom = bot.StderrCount;
        for (var i = 0; i < IdleCycles; i++)
        {
            var (wall, self, children) = await IdleCycleAsync(bot, idle);
            cycleWall.Add(wall);
            cycleSelf.Add(self);
            cycleChildren.Add(children);
            Console.Error.WriteLine($"idle cycle {i + 1}: {wall:0} ms wall, {self:0} ms bot CPU, {children:0} ms git/hg CPU");
        }

        // The watcher's Debug line "{repo}: polled in N ms (Unchanged)", per kind of repo.
        foreach (var (_, line) in bot.Stderr(measuredFrom))
        {
            var m = Regex.Match(line, @"(repo-\d+): polled in (\d+) ms \(Unchanged\)");
            if (!m.Success) continue;
            var kind = idle.Single(r => r.Name == m.Groups[1].Value).Kind;
            (kind == "git" ? gitPollMs : hgPollMs).Add(double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        }
    }

    var loadAfter = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
    report.AppendLine("## Repo watching");
    report.AppendLine();
    report.AppendLine(CultureInfo.InvariantCulture, $"`dotnet run -c Release --project bench/hooks` on {Environment.ProcessorCount} cores, load average {string.Join(' ', loadBefore)} before and {string.Join(' ', loadAfter)} after; {Version("git")}, {Version("hg")}.");
    report.AppendLine("The real `chatops` process watches local git and hg upstreams; latency runs from the end of `git push` / `hg push` to the");
    report.AppendLine("announcement's commit line on the bot's stdout.");
    report.AppendLine();
    report.AppendLine("| push notification | samples | median | p95 | max | target |");
    report.AppendLine("|---|---|---|---|---|---|");
    report.AppendLine(Row("git, GitHub-style hook sent after the push", gitHook, "median ≤ 1 s"));
    report.AppendLine(Row("hg, README `changegroup` hook (signed)", hgHook, "median ≤ 1 s"));
    report.AppendLine(Row($"git, polling only (`pollSeconds` {PollSeconds})", gitPoll, $"max ≤ {PollSeconds + 1} s"));
    report.AppendLine(Row($"hg, polling only (`pollSeconds` {PollSeconds})", hgPoll, $"max ≤ {PollSeconds + 1} s"));
    report.AppendLine();
    report.AppendLine(CultureInfo.InvariantCulture, $"Idle poll cycle over {IdleRepos} repos ({IdleRepos / 2} git, {IdleRepos / 2} hg, nothing new), all triggered at once, {IdleCycles} cycles:");
    report.AppendLine("wall time until the last poll ended; CPU from `/proc/PID/stat`: the bot's utime+stime, and for git/hg the bot's cutime+cstime plus");
    report.AppendLine("all CPU of the mirrors' chg command server (its workers are not the bot's children).");
    report.AppendLine();
    report.AppendLine("| idle cycle | median | max |");
    report.AppendLine("|---|---|---|");
    report.AppendLine(CultureInfo.InvariantCulture, $"| wall time | {Median(cycleWall):0} ms | {cycleWall.Max():0} ms |");
    report.AppendLine(CultureInfo.InvariantCulture, $"| bot CPU | {Median(cycleSelf):0} ms | {cycleSelf.Max():0} ms |");
    report.AppendLine(CultureInfo.InvariantCulture, $"| git/hg CPU | {Median(cycleChildren):0} ms | {cycleChildren.Max():0} ms |");
    report.AppendLine(CultureInfo.InvariantCulture, $"| one git poll (fetch, rev-parse; {gitPollMs.Count} polls) | {Median(gitPollMs):0} ms | {gitPollMs.Max():0} ms |");
    report.AppendLine(CultureInfo.InvariantCulture, $"| one hg poll (identify; {hgPollMs.Count} polls) | {Median(hgPollMs):0} ms | {hgPollMs.Max():0} ms |");
    report.AppendLine();
    report.AppendLine(CultureInfo.InvariantCulture, $"Between cycles the bot process itself uses {idleSelfPerSecond:0.0} ms of CPU per second.");
    Console.WriteLine(report.ToString());
}
finally
{
    try { Directory.Delete(root, recursive: true); }
    catch (IOException) { /* best effort */ }
}

return 0;

async Task<BotRun> StartBotAsync(string name, IReadOnlyList<BenchRepo> repos, int pollSeconds, string logLevel)
{
    var dir = Path.Combine(root, "bot-" + name);
    Directory.CreateDirectory(dir);
    var repoConfig = new JsonObject();
    foreach (var r in repos)
        repoConfig[r.Name] = new JsonObject { ["kind"] = r.Kind, ["url"] = r.Upstream, ["branch"] = BenchRepo.Branch, ["pollSeconds"] = pollSeconds };
    var config = new JsonObject
    {
        ["dataDir"] = "data",
        ["web"] = new JsonObject { ["url"] = "http://127.0.0.1:0" },
        ["repos"] = repoConfig,
        ["roles"] = new JsonObject
        {
            ["r"] = new JsonObject
            {
                ["repos"] = new JsonObject { [repos[0].Name] = new JsonObject { ["path"] = "x" } },
                ["steps"] = new JsonArray(new JsonObject { ["name"] = "update", ["command"] = "true" }),
            },
        },
        ["hosts"] = new JsonArray(new JsonObject { ["name"] = "h1", ["role"] = "r", ["transport"] = "local", ["basedir"] = "h1", ["enabled"] = false }),
    };
    File.WriteAllText(Path.Combine(dir, "chatops.json"), config.ToJsonString());
    var bot = await BotRun.StartAsync(dir, new Dictionary<string, string>
    {
        ["CHATOPS_HOOK_SECRET"] = secret,
        ["CHATOPS_LOG_LEVEL"] = logLevel,
    });
    foreach (var r in repos) await bot.WaitAsync(l => l.Contains($"watching {r.Name} {BenchRepo.Branch} at", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
    return bot;
}

// Pushes a new commit and returns the ms from the end of the push to the announcement of that commit.
async Task<double> PushAsync(BotRun bot, BenchRepo repo, Func<string, Task>? afterPush = null)
{
    var rev = repo.Commit();
    var from = bot.StdoutCount;
    repo.Push();
    var pushed = Stopwatch.GetTimestamp();
    if (afterPush is not null) await afterPush(rev);
    var (_, at) = await bot.WaitAsync(l => l.Contains(rev[..12], StringComparison.Ordinal), TimeSpan.FromSeconds(60), from);
    return Stopwatch.GetElapsedTime(pushed, at).TotalMilliseconds;
}

// A push to git followed by the hook GitHub would send.
Task<double> HookedGitPushAsync(BotRun bot, BenchRepo repo) => PushAsync(bot, repo, async rev =>
{
    var body = new JsonObject
    {
        ["ref"] = "refs/heads/" + BenchRepo.Branch,
        ["after"] = rev,
        ["repository"] = new JsonObject { ["name"] = repo.Name, ["clone_url"] = "file://" + repo.Upstream },
    }.ToJsonString();
    using var response = await PostAsync(bot, "/hooks/git", body);
    if (response.StatusCode != System.Net.HttpStatusCode.Accepted) throw new InvalidOperationException($"hook answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
});

async Task<HttpResponseMessage> PostAsync(BotRun bot, string path, string body)
{
    var bytes = Encoding.UTF8.GetBytes(body);
    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(bot.Url!, path)) { Content = new ByteArrayContent(bytes) };
    request.Content.Headers.ContentType = new("application/json");
    request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), bytes)));
    return await http.SendAsync(request);
}

// Triggers a poll of every repo at once; returns wall ms until the last poll ended, and the CPU ms it cost.
async Task<(double Wall, double Self, double Children)> IdleCycleAsync(BotRun bot, IReadOnlyList<BenchRepo> repos)
{
    var from = bot.StderrCount;
    var (self0, children0) = bot.Cpu();
    var start = Stopwatch.GetTimestamp();
    var posts = repos.Select(r => r.Kind == "git"
        ? PostAsync(bot, $"/hooks/git?repo={r.Name}", $$"""{"ref":"refs/heads/{{BenchRepo.Branch}}"}""")
        : PostAsync(bot, "/hooks/hg", $$"""{"repo":"{{r.Name}}","branch":"{{BenchRepo.Branch}}"}"""));
    foreach (var response in await Task.WhenAll(posts)) response.Dispose();

    var done = new HashSet<string>(StringComparer.Ordinal);
    long last = start;
    foreach (var r in repos)
    {
        var (_, at) = await bot.WaitAsync(l => l.Contains($"Poll of {r.Name} after a hook: Unchanged", StringComparison.Ordinal), TimeSpan.FromMinutes(2), from, stderr: true);
        last = Math.Max(last, at);
    }

    var (self1, children1) = bot.Cpu();
    return (Stopwatch.GetElapsedTime(start, last).TotalMilliseconds, self1 - self0, children1 - children0);
}

static string ReadmeHookLine(bool signed)
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ChatOpsReconfig.sln"))) dir = dir.Parent;
    var readme = File.ReadAllText(Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repo root not found"), "README.md"));
    return Regex.Matches(readme, "^changegroup\\.chatops = .*$", RegexOptions.Multiline)
        .Select(m => m.Value)
        .Single(l => l.Contains("X-Hub-Signature-256", StringComparison.Ordinal) == signed);
}

static string Version(string tool) => Shell.Run(tool, ["--version"]).Split('\n')[0].Trim();

static double Median(List<double> xs) => Percentile(xs, 50);

static double Percentile(List<double> xs, double p)
{
    var sorted = xs.Order().ToList();
    var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
    return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
}

static string Row(string what, List<double> ms, string target) =>
    string.Create(CultureInfo.InvariantCulture, $"| {what} | {ms.Count} | {Median(ms):0} ms | {Percentile(ms, 95):0} ms | {ms.Max():0} ms | {target} |");
