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
        Assert.Equal((0.0, 1), (policy.QuietMinutes, policy.TickSeconds));
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
            p => Assert.Equal("hosts[1].adress: unknown key (line 20)", p),
            p => Assert.Equal("hosts[1].role: no such role 'mastr' (known: master) (line 20)", p),
            p => Assert.Equal("lokc: unknown key (line 3)", p),
            p => Assert.Matches(@"^repos\.configs\.bugPattern: not a valid regex: .* \(line 5\)$", p),
            p => Assert.Equal("repos.configs.pollSecs: unknown key (line 5)", p),
            p => Assert.Matches(@"^roles\.master\.steps\[1\]\.command: unknown placeholder \{target\}.* \(line 14\)$", p));
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

        var (_, problems) = FleetConfigLoader.TryLoad(Write(json), baseDirectory: _dir.Path, environment: _ => null);

        // The host falls back to ssh, which the fleet then lacks a key for; nothing else about the host is reported.
        Assert.Equal(
            [
                "hosts[0].transport: expected one of \"ssh\", \"local\", got \"telnet\" (line 19)",
                "ssh.keyFile: required for ssh hosts (or set the environment variable CHATOPS_SSH_KEY)",
            ],
            problems);
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
    public void TryLoad_WholeNumbersInAnyNotation_AreRangeCheckedAsNumbers()
    {
        var json = ValidJson.TrimEnd().TrimEnd('}') + """
              "rollout": { "parallelism": 1e9, "canaryCount": 2.0, "connectAttempts": 2E0 },
            }
            """;

        var (config, problems) = FleetConfigLoader.TryLoad(Write(json), baseDirectory: _dir.Path);

        Assert.Equal(["rollout.parallelism: 1000000000 is more than 1000 (line 21)"], problems);
        Assert.Equal((2, 2), (config!.Rollout.CanaryCount, config.Rollout.ConnectAttempts));
    }

    [Fact]
    public void TryLoad_DuplicateKeys_InObjectsAndNamedMaps_AreEachReported()
    {
        var json = ValidJson
            .Replace("\"dataDir\": \"state\",", "\"dataDir\": \"state\",\n  \"DATADIR\": \"elsewhere\",", StringComparison.Ordinal)
            .Replace("\"custom\": { \"kind\": \"hg\",", "\"custom\": { \"kind\": \"hg\", \"kind\": \"git\",", StringComparison.Ordinal)
            .Replace("\"roles\": {", "\"roles\": {\n    \"master\": { \"repos\": {}, \"steps\": [] },", StringComparison.Ordinal);

        var (_, problems) = FleetConfigLoader.TryLoad(Write(json), baseDirectory: _dir.Path);

        Assert.Equal(
            [
                "dataDir: duplicate key (first on line 3) (line 4)",
                "repos.custom.kind: duplicate key (first on line 8) (line 8)",
                "roles.master: duplicate key (first on line 11) (line 12)",
            ],
            problems);
    }

    [Fact]
    public void TryLoad_SectionsWithTheirMetadata_AreShapeCheckedAndTheirChecksRun()
    {
        var json = ValidJson.TrimEnd().TrimEnd('}') + """
              "policy": { "quietMinutes": "0.5", "autoResumeInterrupted": "no", "tickSeconds": 0 },
              "lock": { "warningMinutes": 99999, "defaultMinutes": "two hours\u0007" },
            }
            """;

        var (_, problems) = FleetConfigLoader.TryLoad(Write(json), new ConfigSections(DeployerConfig.SectionTypes, DeployerConfig.Validate), _dir.Path);

        Assert.Equal(
            [
                "policy.quietMinutes: expected a number of minutes, got \"0.5\" (line 21)",
                "policy.autoResumeInterrupted: expected true or false, got \"no\" (line 21)",
                "lock.defaultMinutes: expected a whole number of minutes, got \"two hours\\u0007\" (line 22)",
                "lock.warningMinutes: 99999 is more than 719 (minutes, less than lock.maximumMinutes) (line 22)",
                "policy.tickSeconds: 0 is less than 1 (seconds) (line 21)",
            ],
            problems);
        Assert.DoesNotContain(problems, p => p.Contains("System.", StringComparison.Ordinal));
    }

    [Fact]
    public void TryLoad_QuietMinutesWithAFraction_PolicyAndRepo_AreMinutes()
    {
        var json = ValidJson.Replace("\"branch\": \"default\" }", "\"branch\": \"default\", \"quietMinutes\": 0.5 }", StringComparison.Ordinal)
            .TrimEnd().TrimEnd('}') + """
              "policy": { "quietMinutes": 0.2 },
            }
            """;

        var (config, problems) = FleetConfigLoader.TryLoad(Write(json), new ConfigSections(DeployerConfig.SectionTypes, DeployerConfig.Validate), _dir.Path);

        Assert.Empty(problems);
        Assert.Equal(0.5, config!.Repos["custom"].QuietMinutes);
        Assert.Equal(0.2, ChatOpsReconfig.Deployer.Policy.PolicyOptions.From(config).QuietMinutes);
    }

    [Fact]
    public void TryLoad_QuietMinutesOutOfRange_PolicyAndRepo_NamedWithValueAndLine()
    {
        var json = ValidJson.Replace("\"branch\": \"default\" }", "\"branch\": \"default\", \"quietMinutes\": -0.25 }", StringComparison.Ordinal)
            .TrimEnd().TrimEnd('}') + """
              "policy": { "quietMinutes": 1440.5 },
            }
            """;

        var (_, problems) = FleetConfigLoader.TryLoad(Write(json), new ConfigSections(DeployerConfig.SectionTypes, DeployerConfig.Validate), _dir.Path);

        Assert.Equal(
            [
                "repos.custom.quietMinutes: -0.25 is less than 0 (minutes) (line 7)",
                "policy.quietMinutes: 1440.5 is more than 1440 (minutes) (line 21)",
            ],
            problems);
    }

    [Fact]
    public void TryLoad_ListItemOfTheWrongType_KeepsTheOtherItemsIndexes()
    {
        var json = ValidJson.Replace("\"hosts\": [", "\"hosts\": [ \"bm00\",", StringComparison.Ordinal)
            .Replace("\"role\": \"master\",", "\"role\": \"mastr\",", StringComparison.Ordinal);

        // The placeholder item is an ssh host: the fleet then needs a key (given here), nothing about the item is reported.
        var (_, problems) = FleetConfigLoader.TryLoad(Write(json), baseDirectory: _dir.Path, environment: _ => "/keys/deploy");

        Assert.Equal(
            [
                "hosts[0]: expected an object { … }, got \"bm00\" (line 18)",
                "hosts[1].role: no such role 'mastr' (known: master) (line 19)",
            ],
            problems);
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
        Assert.Equal(["(root): the file is empty or null (line 1)"], problems);
    }

    [Fact]
    public void Load_InvalidConfig_ThrowsWithEveryProblem()
    {
        var json = ValidJson.Replace("\"role\": \"master\"", "\"role\": \"mastr\"", StringComparison.Ordinal);

        var ex = Assert.Throws<FleetConfigException>(() => FleetConfigLoader.Load(Write(json), baseDirectory: _dir.Path));

        Assert.Equal(["hosts[0].role: no such role 'mastr' (known: master) (line 19)"], ex.Problems);
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
