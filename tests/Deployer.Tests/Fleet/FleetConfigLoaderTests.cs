using System.Text.Json;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Deployer.Tests.Fleet;

public sealed class FleetConfigLoaderTests : IDisposable
{
    private const string ValidJson = """
        // a small local fleet
        {
          "dataDir": "state",
          "repos": {
            "configs": { "kind": "git", "url": "upstream/configs", "branch": "production", },
            /* remote repos keep their URL */
            "custom": { "kind": "hg", "url": "https://hg.example.com/custom", "branch": "default" },
          },
          "roles": {
            "master": {
              "repos": { "configs": { "path": "configs" }, "custom": { "path": "custom" } },
              "steps": [
                { "name": "update", "command": "git -C {path:configs} checkout -q {rev:configs} && hg -R {path:custom} update -r {rev:custom}" },
                { "name": "checkconfig", "command": "make -C {basedir} checkconfig", "gate": true },
              ],
            },
          },
          "hosts": [
            { "name": "bm01", "role": "master", "transport": "local", "basedir": "hosts/bm01" },
          ],
        }
        """;

    private readonly TempDirectory _dir = new("loader");

    public void Dispose() => _dir.Dispose();

    private string Write(string json, string name = "fleet.json")
    {
        var path = _dir.Combine(name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void TryLoad_CommentsAndTrailingCommas_AreAccepted()
    {
        var (config, problems) = FleetConfigLoader.TryLoad(Write(ValidJson), baseDirectory: _dir.Path);

        Assert.Empty(problems);
        Assert.NotNull(config);
        Assert.Equal(RepoKind.Hg, config.Repos["custom"].Kind);
        Assert.True(config.Roles["master"].Steps[1].Gate);
        Assert.Equal(TransportKind.Local, config.Hosts[0].Transport);
    }

    [Fact]
    public void TryLoad_KeysLeftOut_KeepTheRecordsDefaults()
    {
        // The source-generated metadata once set left-out init-only properties to null and 0 (dotnet/runtime#84484).
        var (config, problems) = FleetConfigLoader.TryLoad(Write(ValidJson), baseDirectory: _dir.Path);

        Assert.Empty(problems);
        Assert.NotNull(config);
        Assert.Equal("production", config.Repos["configs"].Branch);
        Assert.Equal(300, config.Roles["master"].Steps[0].TimeoutSeconds);
        Assert.Equal("update", config.Roles["master"].UpdateStep);
        Assert.True(config.Hosts[0].Enabled);
        Assert.Equal(new SshSettings(), config.Ssh with { KnownHosts = null, KeyFile = null });
        Assert.Equal(new RolloutSettings(), config.Rollout);
        Assert.Equal(new ChatOpsReconfig.Deployer.Locks.LockOptions(), ChatOpsReconfig.Deployer.Locks.LockOptions.From(config));
        var policy = ChatOpsReconfig.Deployer.Policy.PolicyOptions.From(config);
        Assert.Equal("UTC", policy.TimeZone);
        Assert.Empty(policy.Freezes);
        Assert.True(policy.AutoResumeInterrupted);
    }

    [Fact]
    public void TryLoad_SectionsGiven_OverrideTheDefaults()
    {
        var json = ValidJson.TrimEnd().TrimEnd('}') + """
              "ssh": { "user": "cltbld", "port": 2222, "keyExchange": ["curve25519-sha256"] },
              "rollout": { "canaryCount": 0, "parallelism": 3 },
              "lock": { "defaultMinutes": 30 },
              "policy": { "quietMinutes": 0, "tickSeconds": 1, "freezes": [{ "cron": "0 9 * * 1", "reason": "release week" }] },
            }
            """;

        var (config, problems) = FleetConfigLoader.TryLoad(Write(json), DeployerConfig.SectionNames, baseDirectory: _dir.Path);

        Assert.Empty(problems);
        Assert.NotNull(config);
        Assert.Empty(DeployerConfig.Validate(config));
        var policy = ChatOpsReconfig.Deployer.Policy.PolicyOptions.From(config);
        Assert.Equal(("cltbld", 2222), (config.Ssh.User, config.Ssh.Port));
        Assert.Equal(["curve25519-sha256"], config.Ssh.KeyExchange!);
        Assert.Equal((0, 3), (config.Rollout.CanaryCount, config.Rollout.Parallelism));
        Assert.Equal(30, ChatOpsReconfig.Deployer.Locks.LockOptions.From(config).DefaultMinutes);
        Assert.Equal((0, 1), (policy.QuietMinutes, policy.TickSeconds));
        Assert.Equal("release week", Assert.Single(policy.Freezes).Reason);
        Assert.Equal(60, policy.Freezes[0].DurationMinutes);
    }

    [Fact]
    public void TryLoad_RelativePaths_ResolveAgainstBaseDirectory()
    {
        var (config, _) = FleetConfigLoader.TryLoad(Write(ValidJson), baseDirectory: _dir.Path);

        Assert.Equal(_dir.Combine("state"), config!.DataDir);
        Assert.Equal(_dir.Combine("state", "chatops.db"), config.StorePath);
        Assert.Equal(_dir.Combine("upstream", "configs"), config.Repos["configs"].Url);
        Assert.Equal("https://hg.example.com/custom", config.Repos["custom"].Url);
        Assert.Equal(_dir.Combine("hosts", "bm01"), config.Hosts[0].Basedir);
    }

    [Fact]
    public void TryLoad_ManyProblemsIncludingUnknownKeys_ReportsEveryOne()
    {
        var json = ValidJson
            .Replace("\"branch\": \"production\", }", "\"branch\": \"production\", \"bugPattern\": \"(\", \"pollSecs\": 30 }", StringComparison.Ordinal)
            .Replace("make -C {basedir} checkconfig", "make -C {basedir} {target}", StringComparison.Ordinal)
            .Replace("""{ "name": "bm01", "role": "master", "transport": "local", "basedir": "hosts/bm01" },""",
                """
                { "name": "bm01", "role": "master", "transport": "local", "basedir": "hosts/bm01" },
                    { "name": "bm02", "role": "mastr", "transport": "local", "basedir": "hosts/bm02", "adress": "x" },
                """, StringComparison.Ordinal)
            .Replace("\"dataDir\": \"state\",", "\"dataDir\": \"state\", \"lokc\": {},", StringComparison.Ordinal);

        var (_, problems) = FleetConfigLoader.TryLoad(Write(json), baseDirectory: _dir.Path);

        Assert.Collection(
            problems.Order(StringComparer.Ordinal),
            p => Assert.StartsWith("hosts[1].adress: unknown key", p),
            p => Assert.Equal("hosts[1].role: no such role 'mastr' (known: master)", p),
            p => Assert.Equal("lokc: unknown key", p),
            p => Assert.StartsWith("repos.configs.bugPattern: not a valid regex: ", p),
            p => Assert.StartsWith("repos.configs.pollSecs: unknown key", p),
            p => Assert.StartsWith("roles.master.steps[1].command: unknown placeholder {target}", p));
    }

    [Fact]
    public void TryLoad_UnknownNestedKey_NamesItsPathAndLine()
    {
        var json = ValidJson.Replace("\"gate\": true", "\"gate\": true, \"timeout\": 60", StringComparison.Ordinal);

        var (_, problems) = FleetConfigLoader.TryLoad(Write(json), baseDirectory: _dir.Path);

        Assert.Equal(["roles.master.steps[1].timeout: unknown key (line 14)"], problems);
    }

    [Fact]
    public void TryLoad_SyntaxError_ReportsLineNumber()
    {
        var json = ValidJson.Replace("\"url\": \"upstream/configs\",", "\"url\": \"upstream/configs\"", StringComparison.Ordinal);

        var (config, problems) = FleetConfigLoader.TryLoad(Write(json), baseDirectory: _dir.Path);

        Assert.Null(config);
        var problem = Assert.Single(problems);
        Assert.StartsWith("repos.configs: ", problem);
        Assert.EndsWith("(line 5)", problem);
    }

    [Fact]
    public void TryLoad_UnknownEnumValue_NamesKeyAndLine()
    {
        var json = ValidJson.Replace("\"transport\": \"local\"", "\"transport\": \"telnet\"", StringComparison.Ordinal);

        var (_, problems) = FleetConfigLoader.TryLoad(Write(json), baseDirectory: _dir.Path);

        var problem = Assert.Single(problems);
        Assert.StartsWith("hosts[0].transport: ", problem);
        Assert.EndsWith("(line 19)", problem);
    }

    [Fact]
    public void TryLoad_WrongValueType_NamesKey()
    {
        var json = ValidJson.Replace("\"gate\": true", "\"gate\": true, \"timeoutSeconds\": \"soon\"", StringComparison.Ordinal);

        var (_, problems) = FleetConfigLoader.TryLoad(Write(json), baseDirectory: _dir.Path);

        var problem = Assert.Single(problems);
        Assert.StartsWith("roles.master.steps[1].timeoutSeconds: ", problem);
    }

    [Fact]
    public void TryLoad_MissingFile_SaysItCannotRead()
    {
        var (config, problems) = FleetConfigLoader.TryLoad(_dir.Combine("nope.json"));

        Assert.Null(config);
        Assert.StartsWith("(file): cannot read ", Assert.Single(problems));
    }

    [Fact]
    public void TryLoad_NullDocument_SaysSo()
    {
        var (config, problems) = FleetConfigLoader.TryLoad(Write("null"));

        Assert.Null(config);
        Assert.Equal(["(root): the file is empty or null"], problems);
    }

    [Fact]
    public void Load_InvalidConfig_ThrowsWithEveryProblem()
    {
        var json = ValidJson.Replace("\"role\": \"master\"", "\"role\": \"mastr\"", StringComparison.Ordinal);

        var ex = Assert.Throws<FleetConfigException>(() => FleetConfigLoader.Load(Write(json), baseDirectory: _dir.Path));

        Assert.Equal(["hosts[0].role: no such role 'mastr' (known: master)"], ex.Problems);
        Assert.Contains("hosts[0].role: no such role", ex.Message);
    }

    [Fact]
    public void TryLoad_ShippedConfigs_AreValid()
    {
        var files = Directory.GetFiles(SourceTree.Combine("config"), "*.json");
        Assert.Contains(files, f => Path.GetFileName(f) == "chatops.json");
        Assert.Contains(files, f => Path.GetFileName(f) == "example-fleet.json");

        foreach (var file in files)
        {
            // The bot validates its own sections (chat, web, …); this checks everything the Deployer owns.
            using var doc = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var deployerKeys = typeof(FleetConfig).GetProperties().Select(p => p.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var otherSections = doc.RootElement.EnumerateObject().Select(p => p.Name).Where(n => !deployerKeys.Contains(n)).ToList();

            // The ssh example takes its key from $CHATOPS_SSH_KEY, never from the file.
            var (config, problems) = FleetConfigLoader.TryLoad(file, otherSections, baseDirectory: _dir.Path,
                environment: name => name == "CHATOPS_SSH_KEY" ? "/home/cltbld/.ssh/deploy_key" : null);

            Assert.True(problems.Count == 0, $"{file}:\n{string.Join('\n', problems)}");
            Assert.NotEmpty(config!.Hosts);
        }
    }
}
