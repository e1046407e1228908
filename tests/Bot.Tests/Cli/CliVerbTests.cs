using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Demo;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Bot.Tests.Cli;

/// <summary>Runs the built <c>chatops</c> executable on a copy of the demo config in a temp working directory.</summary>
public sealed partial class CliVerbTests : IDisposable
{
    private const string Config = "config/chatops.json";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);
    private static readonly string[] Hosts = ["bm01", "bm02", "bm03", "foopy01", "foopy02"];
    private readonly TempDirectory _dir = new("cli");

    public CliVerbTests()
    {
        Directory.CreateDirectory(_dir.Combine("config"));
        File.Copy(SourceTree.Combine("config", "chatops.json"), _dir.Combine("config", "chatops.json"));
    }

    public void Dispose() => _dir.Dispose();

    private static string ChatopsDll
    {
        get
        {
            // The Bot project is referenced, so its build output sits next to this assembly.
            var dll = Path.Combine(AppContext.BaseDirectory, "chatops.dll");
            Assert.True(File.Exists(dll), $"chatops.dll not found in {AppContext.BaseDirectory}");
            return dll;
        }
    }

    private static string DotnetHost =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    private Task<ProcessResult> ChatopsAsync(params string[] args) => ChatopsWithAsync(Config, [], args);

    private async Task<ProcessResult> ChatopsWithAsync(string config, Dictionary<string, string> environment, params string[] args)
    {
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var result = await ProcessRunner.RunAsync(DotnetHost, [ChatopsDll, .. args, "--config", config], _dir.Path, Guard, TimeProvider.System,
            CancellationToken.None, environment);
        Assert.False(result.TimedOut, $"chatops {string.Join(' ', args)} timed out");
        return result;
    }

    private FleetConfig LoadFleet() => FleetConfigLoader.Load(_dir.Combine("config", "chatops.json"), BotOptions.SectionNames, _dir.Path);

    private static async Task<string> UpstreamHeadAsync(FleetConfig fleet, string repo) =>
        await Shell.RevParseAsync(fleet.Repos[repo].Url, "refs/heads/" + fleet.Repos[repo].Branch);

    private static async Task<string> OnHostAsync(FleetConfig fleet, string host, string repo)
    {
        var h = fleet.Hosts.Single(x => x.Name == host);
        return await Shell.RevParseAsync(RevisionReader.PathOnHost(h, fleet.Roles[h.Role].Repos[repo]));
    }

    private static string Describe(ProcessResult r) => $"exit {r.ExitCode}\nstdout:\n{r.Stdout}\nstderr:\n{r.Stderr}";

    [Fact]
    public async Task ValidateConfig_DemoConfig_ExitsZero()
    {
        var result = await ChatopsAsync("validate-config");

        Assert.True(result.ExitCode == 0, Describe(result));
        Assert.Equal("config/chatops.json: ok (3 repos, 2 roles, 5 hosts)", result.Stdout.Trim());
    }

    [Fact]
    public async Task ValidateConfig_EverySectionTheReadmeNames_IsKnown_AndItsShapeChecked()
    {
        var path = _dir.Combine("config", "chatops.json");
        var root = JsonNode.Parse(File.ReadAllText(path), null, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        root["store"] = new JsonObject { ["keepRolloutDetail"] = 50 };
        root["bugs"] = new JsonObject { ["bmo"] = new JsonObject { ["kind"] = "bugzilla", ["url"] = "https://bugzilla.mozilla.org", ["repos"] = new JsonArray("buildbot-configs"), ["dryRun"] = true } };
        File.WriteAllText(path, root.ToJsonString());
        var good = await ChatopsAsync("validate-config");
        root["store"]!["keepRolloutDetail"] = "many";
        root["bugs"]!["bmo"]!["dryrun2"] = true;
        File.WriteAllText(path, root.ToJsonString());
        var bad = await ChatopsAsync("validate-config");

        Assert.True(good.ExitCode == 0, Describe(good));
        Assert.True(bad.ExitCode == 1, Describe(bad));
        Assert.Contains("store.keepRolloutDetail: expected a whole number, got \"many\"", bad.Stderr, StringComparison.Ordinal);
        Assert.Contains("bugs.bmo.dryrun2: unknown key", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateConfig_StoreKind_UnknownKindAndPostgresWithoutItsConnectionString_AreNamed()
    {
        var path = _dir.Combine("config", "chatops.json");
        var root = JsonNode.Parse(File.ReadAllText(path), null, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        root["store"] = new JsonObject { ["kind"] = "postgres", ["connectionStringEnv"] = "CHATOPS_PG" };
        File.WriteAllText(path, root.ToJsonString());
        var good = await ChatopsAsync("validate-config");
        root["store"] = new JsonObject { ["kind"] = "mysql" };
        File.WriteAllText(path, root.ToJsonString());
        var unknown = await ChatopsAsync("validate-config");
        root["store"] = new JsonObject { ["kind"] = "postgres" };
        File.WriteAllText(path, root.ToJsonString());
        var noSecret = await ChatopsAsync("validate-config");

        Assert.True(good.ExitCode == 0, Describe(good));
        Assert.True(unknown.ExitCode == 1, Describe(unknown));
        Assert.Contains("store.kind: \"mysql\" is not a store kind: use \"litedb\" or \"postgres\"", unknown.Stderr, StringComparison.Ordinal);
        Assert.True(noSecret.ExitCode == 1, Describe(noSecret));
        Assert.Contains("store: a postgres store needs exactly one of connectionStringEnv (an environment variable) or connectionStringFile", noSecret.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateConfig_ExampleSshFleet_ValidWithTheKeyVariable_NamesTheVariableWithoutIt()
    {
        foreach (var name in new[] { "example-fleet.json", "known_hosts.example" })
            File.Copy(SourceTree.Combine("config", name), _dir.Combine("config", name));

        var withKey = await ChatopsWithAsync("config/example-fleet.json", new() { ["CHATOPS_SSH_KEY"] = "/home/cltbld/.ssh/deploy_key" }, "validate-config");
        var withoutKey = await ChatopsWithAsync("config/example-fleet.json", new() { ["CHATOPS_SSH_KEY"] = "" }, "validate-config");

        Assert.True(withKey.ExitCode == 0, Describe(withKey));
        Assert.Equal("config/example-fleet.json: ok (4 repos, 2 roles, 10 hosts)", withKey.Stdout.Trim());
        Assert.True(withoutKey.ExitCode == 1, Describe(withoutKey));
        Assert.Contains("ssh.keyFile: required for ssh hosts (or set the environment variable CHATOPS_SSH_KEY)", withoutKey.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateConfig_BrokenCopy_ExitsOneWithEveryProblemAsPathAndMessage()
    {
        var path = _dir.Combine("config", "chatops.json");
        var root = JsonNode.Parse(File.ReadAllText(path), null, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        var foopy02 = root["hosts"]!.AsArray().Single(h => (string?)h!["name"] == "foopy02")!;
        Assert.Equal(4, foopy02.GetElementIndex());
        foopy02["role"] = "foopie";
        foopy02["adress"] = "x";
        root["roles"]!["master"]!["steps"]![1]!["command"] = "sh {path:buildbot-config}/checkconfig.sh";
        root["chat"] = new JsonObject { ["transport"] = "telnet", ["timeZone"] = "Mars/Olympus" };
        File.WriteAllText(path, root.ToJsonString());

        var result = await ChatopsAsync("validate-config");

        Assert.True(result.ExitCode == 1, Describe(result));
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("config/chatops.json: 5 problem(s):", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Matches(ProblemLine(), l));
        Assert.Collection(
            lines.Skip(1).Order(StringComparer.Ordinal),
            l => Assert.Equal("chat.timeZone: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Berlin, or UTC) (line 1)", l),
            l => Assert.Equal("chat.transport: unknown transport 'telnet' (known: console, discord, irc) (line 1)", l),
            l => Assert.Equal("hosts[4].adress: unknown key (line 1)", l),
            l => Assert.Equal("hosts[4].role: no such role 'foopie' (known: master, foopy) (line 1)", l),
            l => Assert.Equal("roles.master.steps[1].command: placeholder {path:buildbot-config} names repo 'buildbot-config', which this role does not carry (line 1)", l));
        Assert.False(Directory.Exists(_dir.Combine("data")));
    }

    /// <summary>The demo config with a problem of every kind the shape check knows, on known lines.</summary>
    private void BreakEveryWay()
    {
        var path = _dir.Combine("config", "chatops.json");
        var text = File.ReadAllText(path);
        string[] edits =
        [
            "\"dataDir\": \"data\",", "\"dataDir\": \"data\", \"DataDir\": \"other\",",
            "\"demo\": { \"create\": true },", "\"demo\": { \"create\": true }, \"lock\": { \"warningMinutes\": 99999 }, \"policy\": { \"quietMinutes\": 1440.5 },",
            "\"branch\": \"production-0.8\" }", "\"branch\": \"production-0.8\", \"quietMinutes\": -0.5 }",
            "{ \"name\": \"bm02\",     \"role\": \"master\",", "{ \"name\": \"bm02\",     \"role\": \"master\", \"enabled\": \"yes\",",
            "{ \"canaryCount\": 1, \"parallelism\": 4, \"connectAttempts\": 2,", "{ \"canaryCount\": -4, \"parallelism\": \"ten\", \"connectAttempts\": 1e9, \"paralelism\": 3,",
        ];
        for (var i = 0; i < edits.Length; i += 2)
        {
            Assert.Contains(edits[i], text, StringComparison.Ordinal);
            text = text.Replace(edits[i], edits[i + 1], StringComparison.Ordinal);
        }

        File.WriteAllText(path, text);
    }

    private static readonly string[] EveryProblem =
    [
        "dataDir: duplicate key (first on line 5) (line 5)",
        "hosts[1].enabled: expected true or false, got \"yes\" (line 53)",
        "lock.warningMinutes: 99999 is more than 719 (minutes, less than lock.maximumMinutes) (line 6)",
        "policy.quietMinutes: 1440.5 is more than 1440 (minutes) (line 6)",
        "repos.buildbotcustom.quietMinutes: -0.5 is less than 0 (minutes) (line 18)",
        "rollout.canaryCount: -4 is less than 0 (line 59)",
        "rollout.connectAttempts: 1000000000 is more than 10 (line 59)",
        "rollout.paralelism: unknown key (line 59)",
        "rollout.parallelism: expected a whole number, got \"ten\" (line 59)",
    ];

    [Fact]
    public async Task ValidateConfig_ProblemsOfEveryKind_ReportsEveryOneWithItsLineAndNoDotNetTypeNames()
    {
        BreakEveryWay();

        var result = await ChatopsAsync("validate-config");

        Assert.True(result.ExitCode == 1, Describe(result));
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"config/chatops.json: {EveryProblem.Length} problem(s):", lines[0]);
        Assert.Equal(EveryProblem, lines.Skip(1).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("System.", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("status")]
    [InlineData("deploy", "--yes")]
    public async Task Run_ProblemsOfEveryKind_ExitsTwoWithTheSameReportBeforeAnythingStarts(params string[] verb)
    {
        BreakEveryWay();

        var result = await ChatopsAsync(verb);

        Assert.True(result.ExitCode == 2, Describe(result));
        Assert.Equal(EveryProblem, result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Order(StringComparer.Ordinal));
        Assert.Equal("", result.Stdout);
        Assert.DoesNotContain("System.", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.Combine("data")));
    }

    private void EditConfig(params string[] edits)
    {
        var path = _dir.Combine("config", "chatops.json");
        var text = File.ReadAllText(path);
        for (var i = 0; i < edits.Length; i += 2)
        {
            Assert.Contains(edits[i], text, StringComparison.Ordinal);
            text = text.Replace(edits[i], edits[i + 1], StringComparison.Ordinal);
        }

        File.WriteAllText(path, text);
    }

    [Fact]
    public async Task Run_WebPortTaken_OneLineExitTwoAndNoGreeting()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";
        EditConfig("\"url\": \"http://127.0.0.1:8080\"", $"\"url\": \"{url}\"");

        var result = await ChatopsAsync("run");

        Assert.True(result.ExitCode == 2, Describe(result));
        Assert.Equal($"web.url: {url} is already in use (another chatops running?); set web.url to a free address, or web.enabled to false", result.Stderr.Trim());
        Assert.Equal("", result.Stdout);
        // Nothing was started: no greeting queued in a store for the next start, no demo fleet.
        Assert.False(Directory.Exists(_dir.Combine("data")));
    }

    [Fact]
    public async Task Run_SshKeyFileMissing_OneLineExitTwoAndNoGreeting()
    {
        EditConfig(
            "\"url\": \"http://127.0.0.1:8080\"", "\"url\": \"http://127.0.0.1:0\"",
            "\"dataDir\": \"data\",", "\"dataDir\": \"data\", \"ssh\": { \"user\": \"cltbld\", \"keyFile\": \"keys/deploy_key\" },",
            "{ \"name\": \"bm03\",     \"role\": \"master\", \"transport\": \"local\",",
            "{ \"name\": \"bm03\",     \"role\": \"master\", \"transport\": \"ssh\", \"address\": \"127.0.0.1\", \"hostKeyFingerprint\": \"SHA256:" + new string('A', 43) + "\",");

        var result = await ChatopsWithAsync(Config, new() { ["CHATOPS_SSH_KEY"] = "" }, "run");

        Assert.True(result.ExitCode == 2, Describe(result));
        Assert.Equal($"ssh.keyFile: the ssh key {_dir.Combine("keys", "deploy_key")} does not exist (needed for 1 ssh host(s): bm03)", result.Stderr.Trim());
        Assert.Equal("", result.Stdout);
        Assert.False(Directory.Exists(_dir.Combine("data")));
    }

    [Fact]
    public async Task Deploy_Yes_ExitsZeroAndEveryHostAtTheUpstreamHeads()
    {
        var result = await ChatopsAsync("deploy", "--yes");

        Assert.True(result.ExitCode == 0, Describe(result));
        Assert.Contains("rollout 1 succeeded: 5/5 ok", result.Stdout);
        var fleet = LoadFleet();
        foreach (var host in Hosts)
        {
            foreach (var repo in fleet.Roles[fleet.Hosts.Single(h => h.Name == host).Role].Repos.Keys)
                Assert.Equal(await UpstreamHeadAsync(fleet, repo), await OnHostAsync(fleet, host, repo));
        }

        Assert.True(File.Exists(_dir.Combine("data", "demo", "hosts", "bm01", "last-reconfig")));
    }

    [Fact]
    public async Task Deploy_UnknownHost_ExitsTwoNamingIt()
    {
        var result = await ChatopsAsync("deploy", "--hosts", "bm01,nosuch", "--yes");

        Assert.True(result.ExitCode == 2, Describe(result));
        Assert.Equal("unknown host(s): nosuch; known: bm01, bm02, bm03, foopy01, foopy02", result.Stderr.Trim());
        Assert.False(Directory.Exists(_dir.Combine("data")));
    }

    [Fact]
    public async Task Deploy_ProductionHeadUnreadable_ExitsOneSayingWhyInWords()
    {
        var fleet = LoadFleet();
        await new DemoFleetSeeder(fleet, TimeProvider.System).SeedAsync(CancellationToken.None);
        // Still there (so the demo seeder leaves it alone), but no longer a git repository: git fetch fails.
        var tools = fleet.Repos["tools"].Url;
        Directory.Delete(tools, recursive: true);
        Directory.CreateDirectory(tools);

        var result = await ChatopsAsync("deploy", "--yes");

        Assert.True(result.ExitCode == 1, Describe(result));
        var line = Assert.Single(result.Stderr.Split('\n'), l => l.StartsWith("cannot read production heads:", StringComparison.Ordinal));
        Assert.StartsWith("cannot read production heads: tools (fatal: ", line, StringComparison.Ordinal);
        Assert.Contains("does not appear to be a git repository", line, StringComparison.Ordinal);
        Assert.DoesNotContain("RepoFailure", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Kind =", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.Combine("data", "demo", "hosts", "bm01", "last-reconfig")));
    }

    [Fact]
    public async Task Deploy_WithoutYesAndNoTerminal_ExitsTwoAndTouchesNothing()
    {
        var result = await ChatopsAsync("deploy");

        Assert.True(result.ExitCode == 2, Describe(result));
        Assert.Contains("pass --yes", result.Stderr);
        Assert.False(File.Exists(_dir.Combine("data", "demo", "hosts", "bm01", "last-reconfig")));
    }

    [Fact]
    public async Task Status_AfterDeploy_ShowsEveryHostInSync()
    {
        var deploy = await ChatopsAsync("deploy", "--yes");
        Assert.True(deploy.ExitCode == 0, Describe(deploy));

        var result = await ChatopsAsync("status");

        Assert.True(result.ExitCode == 0, Describe(result));
        foreach (var host in Hosts) Assert.Matches($@"│ {host}\s+│.*│ in sync\s+│ 1 \(", result.Stdout);
        Assert.Contains("5 in sync", result.Stdout);
        Assert.Contains("last rollout: 1 succeeded", result.Stdout);
    }

    [Fact]
    public async Task Status_LiveBeforeAnyDeploy_ShowsEveryHostBehind()
    {
        var result = await ChatopsAsync("status", "--live");

        Assert.True(result.ExitCode == 0, Describe(result));
        foreach (var host in Hosts) Assert.Matches($@"│ {host}\s+│.*│ behind: ", result.Stdout);
        Assert.Contains("5 behind", result.Stdout);
    }

    [Fact]
    public async Task Deploy_CheckconfigFailsUpstream_ExitsOneAndCanaryIsRestored()
    {
        var fleet = LoadFleet();
        await new DemoFleetSeeder(fleet, TimeProvider.System).SeedAsync(CancellationToken.None);
        var configs = fleet.Repos["buildbot-configs"].Url;
        var before = await OnHostAsync(fleet, "bm01", "buildbot-configs");
        File.WriteAllText(Path.Combine(configs, "checkconfig.sh"), "#!/bin/sh\necho 'master.cfg: syntax error' >&2\nexit 1\n");
        await Shell.GitAsync(configs, "commit", "-q", "-am", "Bug 1040013 - break checkconfig");

        var result = await ChatopsAsync("deploy", "--yes");

        Assert.True(result.ExitCode == 1, Describe(result));
        Assert.Contains("rollout 1 halted: canary bm01 failed (checkconfig: master.cfg: syntax error", result.Stdout);
        Assert.Equal(before, await OnHostAsync(fleet, "bm01", "buildbot-configs"));
        Assert.Equal(before, await OnHostAsync(fleet, "bm02", "buildbot-configs"));
        Assert.False(File.Exists(_dir.Combine("data", "demo", "hosts", "bm01", "last-reconfig")));
    }

    [GeneratedRegex(@"^[A-Za-z][\w-]*(\[\d+\])?(\.[\w-]+(\[\d+\])?)*: \S")]
    private static partial Regex ProblemLine();
}
