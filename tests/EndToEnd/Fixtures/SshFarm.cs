using System.Text.Json.Nodes;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.EndToEnd.Fixtures;

/// <summary>
/// Ten real OpenSSH servers on loopback (bm01–bm06 masters, foopy07–foopy10 foopies) shared by the fault scenarios.
/// Each scenario gets its own directory: the demo's three upstream repos (git, or with <c>hg: true</c> buildbotcustom in
/// Mercurial) and, per host, working copies one commit behind production in a basedir of its own, reached over ssh
/// (the bot's own ssh transport, host keys checked against a known_hosts file).
/// </summary>
public sealed class SshFarm : IAsyncLifetime
{
    public const int Masters = 6;

    private readonly SshdFixture _sshd = new();

    public static IReadOnlyList<string> HostNames { get; } =
        [.. Enumerable.Range(1, Masters).Select(i => $"bm{i:00}"), .. Enumerable.Range(Masters + 1, 10 - Masters).Select(i => $"foopy{i:00}")];

    public static IReadOnlyList<string> Repos { get; } = ["buildbot-configs", "buildbotcustom", "tools"];

    /// <summary>The repo a farm prepared with <c>hg: true</c> keeps in Mercurial, on the named branch production-0.8.</summary>
    public const string HgRepo = "buildbotcustom";

    private const string GitUpdateCustom = "git -C {path:buildbotcustom} fetch -q origin && git -C {path:buildbotcustom} checkout -q --detach {rev:buildbotcustom}";
    private const string HgUpdateCustom = "hg -R {path:buildbotcustom} pull -q && hg -R {path:buildbotcustom} update -q -C -r {rev:buildbotcustom}";

    public SshdFixture Sshd => _sshd;

    public async Task InitializeAsync()
    {
        await _sshd.InitializeAsync(); // bm01–bm03
        await Task.WhenAll(HostNames.Skip(SshdFixture.HostCount).Select(_sshd.StartHostAsync));
        await File.WriteAllLinesAsync(_sshd.KnownHosts, _sshd.Hosts.Select(h => h.KnownHostsLine()));
    }

    public Task DisposeAsync() => _sshd.DisposeAsync();

    public SshdHost Host(string name) => _sshd.Hosts.Single(h => h.Name == name);

    /// <summary>
    /// A scenario directory: the demo config with the ten ssh hosts, quiet window 0, fast polls and ticks, all hosts
    /// in one wave after the canary; <paramref name="edit"/> changes the rest. With <paramref name="hg"/>, <see cref="HgRepo"/>
    /// is an hg repo (<c>"kind": "hg"</c>, updated on the masters with <c>hg pull</c> and <c>hg update</c>, read with the
    /// default <c>hg ident -i --debug</c>), as on the real fleet.
    /// </summary>
    public string Prepare(Action<JsonObject>? edit = null, bool hg = false)
    {
        var dir = BotProcess.PrepareDirectory(json =>
        {
            foreach (var (_, repo) in json["repos"]!.AsObject()) repo!["pollSeconds"] = 5;
            json["policy"] = new JsonObject { ["quietMinutes"] = 0, ["tickSeconds"] = 1 };
            json["rollout"] = new JsonObject { ["canaryCount"] = 1, ["parallelism"] = 10, ["connectAttempts"] = 2, ["connectBackoffSeconds"] = 1 };
            json["ssh"] = new JsonObject
            {
                ["user"] = SshdFixture.User,
                ["keyFile"] = _sshd.UserKey,
                ["knownHosts"] = _sshd.KnownHosts,
                ["connectTimeoutSeconds"] = 5,
                // A variable nobody sets: a CHATOPS_SSH_KEY in the test environment must not change the key.
                ["keyFileEnv"] = "CHATOPS_TEST_UNSET_KEY",
            };
            var hosts = new JsonArray();
            foreach (var name in HostNames)
            {
                hosts.Add(new JsonObject
                {
                    ["name"] = name,
                    ["role"] = name.StartsWith("bm", StringComparison.Ordinal) ? "master" : "foopy",
                    ["transport"] = "ssh",
                    ["address"] = "127.0.0.1",
                    ["port"] = Host(name).Port,
                    ["basedir"] = "BASEDIR/" + name, // made absolute below: it is a path on the host, not next to the bot
                });
            }

            json["hosts"] = hosts;
            if (hg) UseHg(json);
            edit?.Invoke(json);
        });

        var config = Path.Combine(dir, "config", "chatops.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("BASEDIR/", Path.Combine(dir, "data", "farm") + "/", StringComparison.Ordinal));
        Seed(dir, hg);
        return dir;
    }

    private static void UseHg(JsonObject json)
    {
        json["repos"]![HgRepo]!["kind"] = "hg";
        var update = json["roles"]!["master"]!["steps"]![0]!;
        var command = update["command"]!.GetValue<string>();
        if (!command.Contains(GitUpdateCustom, StringComparison.Ordinal)) throw new InvalidOperationException("the demo's master update step changed: " + command);
        update["command"] = command.Replace(GitUpdateCustom, HgUpdateCustom, StringComparison.Ordinal);
    }

    /// <summary>
    /// <see cref="Prepare"/> with a master step between checkconfig and reconfig that says it started (a file) and, on
    /// the hosts given, waits for a gate file the test may never create; every reconfig is counted in a file of the host's.
    /// </summary>
    public string PrepareGated(string[] gatedHosts, int timeoutSeconds = 300, Action<JsonObject>? edit = null) => Prepare(json =>
    {
        var steps = json["roles"]!["master"]!["steps"]!.AsArray();
        var test = string.Join(" || ", gatedHosts.Select(h => $"[ {{host}} = {h} ]"));
        steps.Insert(2, new JsonObject
        {
            ["name"] = "gated",
            ["timeoutSeconds"] = timeoutSeconds,
            ["command"] = $"touch {{basedir}}/gate-reached; if {(gatedHosts.Length == 0 ? "false" : test)}; then until [ -e {{basedir}}/gate-open ]; do sleep 0.1; done; fi",
        });
        steps[3]!["command"] = "echo reconfig >> {basedir}/reconfig-count && echo reconfigured {host}";
        edit?.Invoke(json);
    });

    /// <summary>How many times <paramref name="host"/> was reconfigured (a farm made by <see cref="PrepareGated"/>).</summary>
    public static int Reconfigs(string dir, string host)
    {
        var path = Path.Combine(Basedir(dir, host), "reconfig-count");
        return File.Exists(path) ? File.ReadAllLines(path).Length : 0;
    }

    /// <summary>Waits until <paramref name="condition"/> holds (a file on a host, a comment on the fake tracker).</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, int seconds = 60)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (!condition())
        {
            try
            {
                await Task.Delay(20, bound.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"not within {seconds}s: {what}");
            }
        }
    }

    public static string Basedir(string dir, string host) => Path.Combine(dir, "data", "farm", host);

    public static string Upstream(string dir, string repo) => Path.Combine(dir, "data", "demo", "upstream", repo);

    /// <summary>The revision (in full) a host's working copy of <paramref name="repo"/> has checked out, read with git or hg.</summary>
    public static string HostHead(string dir, string host, string repo) => Head(Path.Combine(Basedir(dir, host), repo));

    /// <summary>The production head of <paramref name="repo"/> (the upstream's checked-out revision).</summary>
    public static string UpstreamHead(string dir, string repo) => Head(Upstream(dir, repo));

    private static string Head(string workingCopy) => IsHg(workingCopy)
        ? Shell.HgWorkingParent(workingCopy) ?? BotProcess.Hg(workingCopy, "log", "-r", ".", "-T", "{node}")
        : BotProcess.Git(workingCopy, "rev-parse", "HEAD");

    private static bool IsHg(string workingCopy) => Directory.Exists(Path.Combine(workingCopy, ".hg"));

    /// <summary>The repos a host has working copies of: all of them on a master, tools on a foopy.</summary>
    public static IReadOnlyList<string> ReposOf(string host) => host.StartsWith("bm", StringComparison.Ordinal) ? Repos : ["tools"];

    /// <summary>What the hosts hold on disk: each working copy's checked-out revision, as <c>host repo revision</c> in host order.</summary>
    public static IReadOnlyList<string> Heads(string dir) => [.. HostNames.SelectMany(h => ReposOf(h).Select(r => $"{h} {r} {HostHead(dir, h, r)}"))];

    /// <summary>
    /// <see cref="Heads"/> once every host runs production (each upstream's head), but the hosts in <paramref name="stayed"/>,
    /// which still hold what <paramref name="before"/> (an earlier <see cref="Heads"/>) says they held.
    /// </summary>
    public static IReadOnlyList<string> HeadsAtProduction(string dir, IReadOnlyList<string>? before = null, params string[] stayed)
    {
        var heads = Repos.ToDictionary(r => r, r => UpstreamHead(dir, r), StringComparer.Ordinal);
        return [.. HostNames.SelectMany(h => stayed.Contains(h)
            ? before!.Where(l => l.StartsWith(h + " ", StringComparison.Ordinal))
            : ReposOf(h).Select(r => $"{h} {r} {heads[r]}"))];
    }

    public static string Commit(string dir, string repo, string message)
    {
        var path = Upstream(dir, repo);
        File.AppendAllText(Path.Combine(path, "README"), message + "\n");
        if (IsHg(path)) BotProcess.Hg(path, "commit", "-q", "-m", message);
        else BotProcess.Git(path, "commit", "-q", "-am", message);
        return UpstreamHead(dir, repo);
    }

    /// <summary>The demo's upstream repos (as the bot's demo seeder makes them), and working copies one behind.</summary>
    private static void Seed(string dir, bool hg)
    {
        foreach (var repo in Repos)
        {
            if (hg && repo == HgRepo)
            {
                SeedHg(dir);
                continue;
            }

            var path = Upstream(dir, repo);
            Directory.CreateDirectory(path);
            var branch = repo == "buildbotcustom" ? "production-0.8" : "production";
            BotProcess.Git(path, "init", "-q", "-b", branch);
            BotProcess.Git(path, "config", "maintenance.auto", "false");
            File.WriteAllText(Path.Combine(path, "README"), $"{repo}\n");
            if (repo == "buildbot-configs") File.WriteAllText(Path.Combine(path, "checkconfig.sh"), "#!/bin/sh\necho 'config ok'\n");
            BotProcess.Git(path, "add", "-A");
            BotProcess.Git(path, "commit", "-q", "-m", $"Initial {repo}");
            Commit(dir, repo, $"Bug 1040013 - {repo}: no manual reconfigs");
            BotProcess.Git(path, "config", "receive.denyCurrentBranch", "updateInstead");
        }

        // One clone per repo, copied to the other hosts that carry it (as for hg below): a clone is five processes.
        // Auto maintenance is off in the farm's repos: after every fetch, checkout and commit it starts one more git
        // that has nothing to do in repos this small.
        foreach (var repo in Repos.Where(r => !(hg && r == HgRepo)))
        {
            var hosts = HostNames.Where(h => ReposOf(h).Contains(repo)).ToList();
            var first = Path.Combine(Basedir(dir, hosts[0]), repo);
            var branch = repo == "buildbotcustom" ? "production-0.8" : "production";
            Directory.CreateDirectory(Basedir(dir, hosts[0]));
            BotProcess.Git(Basedir(dir, hosts[0]), "clone", "-q", "-c", "maintenance.auto=false", "--branch", branch, "--", Upstream(dir, repo), first);
            BotProcess.Git(first, "checkout", "-q", "--detach", "HEAD~1");
            foreach (var host in hosts.Skip(1))
            {
                Directory.CreateDirectory(Basedir(dir, host));
                CopyDirectory(first, Path.Combine(Basedir(dir, host), repo));
            }
        }
    }

    /// <summary>
    /// <see cref="HgRepo"/> in Mercurial: an upstream on the named branch production-0.8 with two commits, and on each
    /// master a clone at the first (one behind), pulling from the upstream. One clone, copied: hg starts slowly.
    /// </summary>
    private static void SeedHg(string dir)
    {
        var path = Upstream(dir, HgRepo);
        Directory.CreateDirectory(path);
        BotProcess.Hg(path, "init");
        BotProcess.Hg(path, "branch", "-q", "production-0.8");
        File.WriteAllText(Path.Combine(path, "README"), $"{HgRepo}\n");
        BotProcess.Hg(path, "commit", "-q", "-A", "-m", $"Initial {HgRepo}");
        var behind = UpstreamHead(dir, HgRepo);
        Commit(dir, HgRepo, $"Bug 1040013 - {HgRepo}: no manual reconfigs");

        var masters = HostNames.Where(h => ReposOf(h).Contains(HgRepo)).ToList();
        var first = Path.Combine(Basedir(dir, masters[0]), HgRepo);
        Directory.CreateDirectory(Basedir(dir, masters[0]));
        BotProcess.Hg(dir, "clone", "-q", "-u", behind, "--", path, first);
        foreach (var host in masters.Skip(1))
        {
            Directory.CreateDirectory(Basedir(dir, host));
            CopyDirectory(first, Path.Combine(Basedir(dir, host), HgRepo));
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var sub in Directory.EnumerateDirectories(from)) CopyDirectory(sub, Path.Combine(to, Path.GetFileName(sub)));
    }
}

/// <summary>The host faults; a farm of their own, so they run beside <see cref="SshFarmCollection"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SshFarmCollection : ICollectionFixture<SshFarm>
{
    public const string Name = "ssh farm";
}

/// <summary>The whole story on LiteDB and the floods, on a second farm.</summary>
[CollectionDefinition(Name)]
public sealed class SecondSshFarmCollection : ICollectionFixture<SshFarm>
{
    public const string Name = "ssh farm 2";
}

/// <summary>The whole story on PostgreSQL with two bots, on a third farm: each story takes a minute or two, side by side.</summary>
[CollectionDefinition(Name)]
public sealed class ThirdSshFarmCollection : ICollectionFixture<SshFarm>, ICollectionFixture<PostgresFixture>
{
    public const string Name = "ssh farm 3";
}
