using System.Diagnostics;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Bench.Scale;

/// <summary>
/// A generated fleet in a temporary directory: three real git repos (production branch, two commits), a config
/// with <c>hostCount</c> local-transport hosts (their basedirs need not exist) and a LiteDB store holding a
/// HostState per host and some rollouts with host results.
/// </summary>
internal sealed class Fleet
{
    public static readonly string[] RepoNames = ["buildbot-configs", "buildbotcustom", "tools"];

    private Fleet(string directory, int hostCount)
    {
        Directory = directory;
        HostCount = hostCount;
    }

    public string Directory { get; }

    public int HostCount { get; }

    public string ConfigPath => Path.Combine(Directory, "config", "chatops.json");

    public string StorePath => Path.Combine(Directory, "data", "chatops.db");

    /// <summary>Production head of each repo.</summary>
    public Dictionary<string, string> Heads { get; } = new(StringComparer.Ordinal);

    /// <summary>The commit before each head: what lagging hosts run.</summary>
    public Dictionary<string, string> Previous { get; } = new(StringComparer.Ordinal);

    /// <summary>Host names by generated state, for picking hosts to ask about.</summary>
    public Dictionary<string, List<string>> ByState { get; } = new(StringComparer.Ordinal);

    public long StoreBytes => new FileInfo(StorePath).Length;

    public static async Task<Fleet> CreateAsync(int hostCount, int rollouts = 10, int seed = 1040013)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"chatops-scale-{hostCount}-{Guid.NewGuid().ToString("N")[..8]}");
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "config"));
        var fleet = new Fleet(dir, hostCount);
        fleet.CreateRepos();
        var hosts = fleet.WriteConfig();
        await fleet.SeedAsync(hosts, rollouts, new Random(seed));
        return fleet;
    }

    public void Delete()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { /* best effort */ }
    }

    private void CreateRepos()
    {
        foreach (var name in RepoNames)
        {
            var path = Path.Combine(Directory, "upstream", name);
            System.IO.Directory.CreateDirectory(path);
            Git(path, "init", "-q", "-b", "production");
            File.WriteAllText(Path.Combine(path, "README"), $"{name}\n");
            Git(path, "add", "README");
            Git(path, "commit", "-q", "-m", $"Bug 1040013 - {name}: first");
            Previous[name] = Git(path, "rev-parse", "HEAD");
            File.AppendAllText(Path.Combine(path, "README"), "second\n");
            Git(path, "commit", "-q", "-a", "-m", $"Bug 1040014 - {name}: second");
            Heads[name] = Git(path, "rev-parse", "HEAD");
        }
    }

    private sealed record GenHost(string Name, string Role, bool Enabled);

    private List<GenHost> WriteConfig()
    {
        // One master in five, the rest foopies; one host in a hundred disabled.
        var hosts = Enumerable.Range(1, HostCount)
            .Select(i => i % 5 == 0 ? new GenHost($"bm{i:D5}", "master", i % 100 != 99) : new GenHost($"foopy{i:D5}", "foopy", i % 100 != 99))
            .ToList();

        var repos = new JsonObject();
        foreach (var name in RepoNames)
            repos[name] = new JsonObject { ["kind"] = "git", ["url"] = Path.Combine(Directory, "upstream", name), ["branch"] = "production" };

        var masterRepos = new JsonObject();
        foreach (var name in RepoNames) masterRepos[name] = new JsonObject { ["path"] = name };
        var config = new JsonObject
        {
            ["dataDir"] = "data",
            ["chat"] = new JsonObject { ["transport"] = "console", ["prefix"] = "!", ["channel"] = "releng", ["consoleUser"] = "you" },
            ["permissions"] = new JsonObject { ["deployers"] = new JsonArray("*"), ["admins"] = new JsonArray("you") },
            ["web"] = new JsonObject { ["enabled"] = false, ["url"] = "http://127.0.0.1:8080" },
            ["repos"] = repos,
            ["roles"] = new JsonObject
            {
                ["master"] = new JsonObject
                {
                    ["repos"] = masterRepos,
                    ["steps"] = new JsonArray(
                        Step("update", "git -C {path:buildbot-configs} checkout -q --detach {rev:buildbot-configs} && git -C {path:buildbotcustom} checkout -q --detach {rev:buildbotcustom} && git -C {path:tools} checkout -q --detach {rev:tools}"),
                        Step("checkconfig", "sh {path:buildbot-configs}/checkconfig.sh", gate: true),
                        Step("reconfig", "echo reconfigured {host}")),
                },
                ["foopy"] = new JsonObject
                {
                    ["repos"] = new JsonObject { ["tools"] = new JsonObject { ["path"] = "tools" } },
                    ["steps"] = new JsonArray(
                        Step("update", "git -C {path:tools} checkout -q --detach {rev:tools}"),
                        Step("cleanup", "find {path:tools} -name '*.pyc' -delete")),
                },
            },
            ["hosts"] = new JsonArray(hosts.Select(h => (JsonNode)new JsonObject
            {
                ["name"] = h.Name,
                ["role"] = h.Role,
                ["transport"] = "local",
                ["basedir"] = Path.Combine("hosts", h.Name),
                ["enabled"] = h.Enabled,
            }).ToArray()),
            ["rollout"] = new JsonObject { ["canaryCount"] = 1, ["parallelism"] = 10, ["connectAttempts"] = 2, ["connectBackoffSeconds"] = 1 },
        };
        File.WriteAllText(ConfigPath, config.ToJsonString());
        return hosts;
    }

    private static JsonObject Step(string name, string command, bool gate = false) =>
        new() { ["name"] = name, ["command"] = command, ["timeoutSeconds"] = 60, ["gate"] = gate };

    /// <summary>
    /// 70 % in sync, 15 % behind (one repo on the previous commit, last touched by an older rollout), 10 % failed
    /// (checkconfig / update), 5 % unreachable. The last rollout covers every enabled host that is not behind;
    /// the nine before it each touched a tenth of the fleet.
    /// </summary>
    private async Task SeedAsync(List<GenHost> hosts, int rolloutCount, Random rng)
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        var start = DateTimeOffset.UtcNow.AddDays(-rolloutCount);
        var states = new List<HostState>(hosts.Count);
        var results = new List<HostResult>();
        var kinds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var h in hosts.Where(h => h.Enabled))
        {
            var roll = rng.NextDouble();
            var kind = roll < 0.70 ? "in sync" : roll < 0.85 ? "behind" : roll < 0.95 ? "failed" : "unreachable";
            kinds[h.Name] = kind;
            (ByState.TryGetValue(kind, out var list) ? list : ByState[kind] = []).Add(h.Name);
        }

        var roleRepos = new Dictionary<string, string[]>(StringComparer.Ordinal) { ["master"] = RepoNames, ["foopy"] = ["tools"] };
        var byRollout = new Dictionary<int, List<GenHost>>();
        for (var id = 1; id <= rolloutCount; id++) byRollout[id] = [];
        foreach (var h in hosts.Where(h => h.Enabled))
        {
            if (kinds[h.Name] == "behind") byRollout[rng.Next(1, rolloutCount)].Add(h);
            else byRollout[rolloutCount].Add(h);
            for (var id = 1; id < rolloutCount; id++)
                if (rng.NextDouble() < 0.1 && !byRollout[id].Contains(h)) byRollout[id].Add(h);
        }

        for (var id = 1; id <= rolloutCount; id++)
        {
            var at = start.AddDays(id - 1);
            var last = id == rolloutCount;
            var revisions = (last ? Heads : Previous).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            var members = byRollout[id];
            var failed = last ? members.Count(h => kinds[h.Name] is "failed" or "unreachable") : 0;
            var inserted = await store.InsertAsync(new RolloutRecord
            {
                State = failed > 0 ? RolloutState.Failed : RolloutState.Succeeded,
                StartedAt = at,
                FinishedAt = at.AddMinutes(12),
                StartedBy = id % 3 == 0 ? "watcher" : "catlee",
                Trigger = id % 3 == 0 ? RolloutTrigger.Automatic : RolloutTrigger.DeployNow,
                Revisions = revisions,
                Hosts = members.Select(h => h.Name).ToList(),
                CanaryCount = 1,
                Tally = new RolloutTally { Total = members.Count, Ok = members.Count - failed, Failed = failed },
            }, CancellationToken.None);
            foreach (var h in members)
            {
                var kind = last ? kinds[h.Name] : "in sync";
                var repos = roleRepos[h.Role];
                var before = repos.ToDictionary(r => r, r => Previous[r], StringComparer.Ordinal);
                var after = kind == "in sync" ? repos.ToDictionary(r => r, r => revisions[r], StringComparer.Ordinal) : before;
                results.Add(new HostResult
                {
                    Id = HostResult.MakeId(inserted, h.Name),
                    RolloutId = inserted,
                    Host = h.Name,
                    Role = h.Role,
                    Canary = h == members[0],
                    Outcome = kind switch { "failed" => HostOutcome.Failed, "unreachable" => HostOutcome.Unreachable, _ => HostOutcome.Ok },
                    FailedStep = kind == "failed" ? FailedStep(h) : null,
                    Failure = Failure(h, kind, "exit 1"),
                    Restored = kind == "failed" && h.Role == "master",
                    Before = before,
                    After = after,
                    Steps = kind == "unreachable" ? [] : Steps(h, kind, rng),
                    StartedAt = at.AddSeconds(rng.Next(0, 600)),
                    FinishedAt = at.AddSeconds(rng.Next(600, 700)),
                });
            }
        }

        foreach (var h in hosts.Where(h => h.Enabled))
        {
            var kind = kinds[h.Name];
            var repos = roleRepos[h.Role];
            var lastId = kind == "behind"
                ? Enumerable.Range(1, rolloutCount - 1).Last(id => byRollout[id].Contains(h))
                : rolloutCount;
            var revs = repos.ToDictionary(r => r, r => kind == "in sync" ? Heads[r] : Previous[r], StringComparer.Ordinal);
            if (kind == "behind" && repos.Length > 1) revs[repos[0]] = Heads[repos[0]]; // masters: one repo in sync, the others behind
            var at = start.AddDays(lastId - 1).AddMinutes(10);
            states.Add(new HostState
            {
                Id = h.Name,
                Revisions = revs,
                RevisionsAt = at,
                LastOutcome = kind switch { "failed" => HostOutcome.Failed, "unreachable" => HostOutcome.Unreachable, _ => HostOutcome.Ok },
                LastFailedStep = kind == "failed" ? FailedStep(h) : null,
                LastFailure = Failure(h, kind, h.Role == "master" ? "Error: buildbot-configs/master.cfg line 412: unknown builder 'b2g_try'" : "fatal: reference is not a tree"),
                LastRolloutId = lastId,
                LastRolloutAt = at,
            });
        }

        db.Collection<HostResult>("host_results").InsertBulk(results);
        db.Collection<HostState>("host_states").InsertBulk(states);
        // Saved once more through the store, as a rollout would: writes the stamp that tells readers states changed.
        await store.SaveHostStateAsync(states[0], CancellationToken.None);
        // The indexes the stores create on first use.
        db.Collection<HostResult>("host_results").EnsureIndex(r => r.RolloutId);
    }

    /// <summary>What a failed or unreachable host of the generated history says; null for the others.</summary>
    private static HostFailure? Failure(GenHost h, string kind, string detail) => kind switch
    {
        "failed" => new HostFailure { Kind = HostFailureKind.Step, Step = FailedStep(h), StepStatus = StepStatus.Failed, ExitCode = 1, Detail = detail },
        "unreachable" => new HostFailure { Kind = HostFailureKind.Connect, Detail = "timed out after 10s (2 attempts)" },
        _ => null,
    };

    private static string FailedStep(GenHost h) => h.Role == "master" ? "checkconfig" : "update";

    private static List<StepResult> Steps(GenHost h, string kind, Random rng)
    {
        var names = h.Role == "master" ? new[] { "update", "checkconfig", "reconfig" } : ["update", "cleanup"];
        var steps = new List<StepResult>();
        foreach (var name in names)
        {
            var fails = kind == "failed" && name == FailedStep(h);
            steps.Add(new StepResult
            {
                Name = name,
                Command = $"{name} …",
                Status = fails ? StepStatus.Failed : StepStatus.Ok,
                ExitCode = fails ? 1 : 0,
                StdoutTail = fails ? "" : "ok\n",
                StderrTail = fails ? "Error: unknown builder 'b2g_try'\n" : "",
                Error = fails ? "exit 1" : null,
                DurationMs = rng.Next(200, 20_000),
            });
            if (fails) break;
        }

        return steps;
    }

    public static string Git(string cwd, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["GIT_AUTHOR_NAME"] = "Bench Releng";
        psi.Environment["GIT_AUTHOR_EMAIL"] = "bench@example.com";
        psi.Environment["GIT_COMMITTER_NAME"] = "Bench Releng";
        psi.Environment["GIT_COMMITTER_EMAIL"] = "bench@example.com";
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)} failed: {error}");
        return output.Trim();
    }
}
