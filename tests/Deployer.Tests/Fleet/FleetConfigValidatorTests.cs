using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Tests.Fleet;

public sealed class FleetConfigValidatorTests
{
    private static readonly string[] NoSections = [];

    private static RoleConfig MasterRole() => new()
    {
        Repos = { ["configs"] = new RoleRepo { Path = "configs" }, ["custom"] = new RoleRepo { Path = "/opt/custom" } },
        Steps =
        [
            new StepConfig { Name = "update", Command = "git -C {path:configs} checkout -q {rev:configs} && git -C {path:custom} checkout -q {rev:custom}" },
            new StepConfig { Name = "checkconfig", Command = "make -C {basedir} checkconfig", Gate = true, TimeoutSeconds = 60 },
            new StepConfig { Name = "reconfig", Command = "make -C {basedir} reconfig" },
        ],
    };

    private static FleetConfig Valid() => new()
    {
        Repos =
        {
            ["configs"] = new RepoConfig { Url = "https://hg.example.com/configs", Branch = "production", BugPattern = @"[Bb]ug (\d+)" },
            ["custom"] = new RepoConfig { Kind = RepoKind.Hg, Url = "/srv/upstream/custom", Branch = "production-0.8" },
        },
        Roles = { ["master"] = MasterRole() },
        Hosts =
        [
            new HostConfig { Name = "bm01", Role = "master", Transport = TransportKind.Local, Basedir = "/srv/bm01" },
            new HostConfig
            {
                Name = "bm02", Role = "master", Address = "bm02.example.com", User = "cltbld", Basedir = "/builds/bm02",
                HostKeyFingerprint = "SHA256:" + new string('A', 43),
            },
        ],
        Ssh = new SshSettings { KeyFile = "/etc/chatops/id_ed25519" },
    };

    [Fact]
    public void Validate_ValidConfig_ReportsNothing()
    {
        Assert.Empty(FleetConfigValidator.Validate(Valid(), NoSections));
    }

    [Fact]
    public void Validate_ManyProblems_ReportsEveryOneWithItsKeyPath()
    {
        var valid = Valid();
        var role = MasterRole();
        role.Steps[0] = role.Steps[0] with { Command = "git checkout {revision:configs}" };
        role.Steps[1] = role.Steps[1] with { Name = "update", TimeoutSeconds = 0 };
        var config = valid with
        {
            Repos = new(valid.Repos, StringComparer.Ordinal)
            {
                ["x"] = new RepoConfig { Url = "/srv/x", BugPattern = "bug (\\d+", PollSeconds = 1 },
            },
            Roles = new(StringComparer.Ordinal) { ["master"] = role },
            Hosts =
            [
                valid.Hosts[0],
                valid.Hosts[1] with { Role = "mastr" },
                valid.Hosts[0] with { Name = "BM01", Basedir = "" },
                new HostConfig { Name = "bm;04", Role = "master", Basedir = "/b", Port = 70000 },
            ],
            Rollout = new RolloutSettings { Parallelism = 0 },
        };

        var problems = FleetConfigValidator.Validate(config, NoSections);

        Assert.Equal(
            [
                "repos.x.bugPattern: not a valid regex: " + RegexError("bug (\\d+"),
                "repos.x.pollSeconds: 1 is less than 5 (seconds)",
                "roles.master.steps[0].command: unknown placeholder {revision:configs} (use {basedir}, {host}, {path:REPO}, {rev:REPO}, {branch:REPO}; write {{ for a literal brace)",
                "roles.master.steps[1].name: duplicate step 'update'",
                "roles.master.steps[1].timeoutSeconds: 0 is less than 1 (seconds)",
                "hosts[1].role: no such role 'mastr' (known: master)",
                "hosts[2].name: duplicate host 'BM01'",
                "hosts[2].basedir: required, without control characters, not starting with '-'",
                "hosts[3].name: 'bm;04' may only contain letters, digits, '.', '_' and '-' (not first)",
                "hosts[3].address: required for ssh; a host name or IP address",
                "hosts[3].user: required for ssh (here or in ssh.user); letters, digits, '.', '_' and '-' (not first)",
                "hosts[3].hostKeyFingerprint: no way to verify this host's key; set it or ssh.knownHosts",
                "hosts[3].port: 70000 is more than 65535",
                "rollout.parallelism: 0 is less than 1",
            ],
            problems);
    }

    private static string RegexError(string pattern)
    {
        Assert.False(FleetConfigValidator.IsRegex(pattern, out var why));
        return why!;
    }

    [Fact]
    public void Validate_StepUsingRepoTheRoleDoesNotCarry_NamesStepAndRepo()
    {
        var role = MasterRole();
        role.Steps.Add(new StepConfig { Name = "tools", Command = "git -C {path:tools} pull" });
        var config = Valid() with { Roles = new(StringComparer.Ordinal) { ["master"] = role } };

        var problems = FleetConfigValidator.Validate(config, NoSections);

        Assert.Equal(["roles.master.steps[3].command: placeholder {path:tools} names repo 'tools', which this role does not carry"], problems);
    }

    [Fact]
    public void Validate_RoleCarryingUnknownRepoWithoutUpdateStep_ReportsBoth()
    {
        var role = MasterRole() with { UpdateStep = "pull" };
        role.Repos["tools"] = new RoleRepo { Path = "tools", RevisionCommand = "cat {path:tools}/REV {nope}" };
        var config = Valid() with { Roles = new(StringComparer.Ordinal) { ["master"] = role } };

        var problems = FleetConfigValidator.Validate(config, NoSections);

        Assert.Equal(3, problems.Count);
        Assert.Equal("roles.master.repos.tools: no such repo (known: configs, custom)", problems[0]);
        Assert.StartsWith("roles.master.repos.tools.revisionCommand: unknown placeholder {nope}", problems[1]);
        Assert.Equal("roles.master.updateStep: no step named 'pull' (it restores a host after a failed gate)", problems[2]);
    }

    [Fact]
    public void Validate_EmptyConfig_AsksForReposRolesAndHosts()
    {
        var problems = FleetConfigValidator.Validate(new FleetConfig(), NoSections);

        Assert.Equal(
            ["repos: at least one repo is required", "roles: at least one role is required", "hosts: at least one host is required"],
            problems);
    }

    [Fact]
    public void Validate_HostKeyFingerprintMalformed_IsRefused()
    {
        var valid = Valid();
        var config = valid with { Hosts = [valid.Hosts[0], valid.Hosts[1] with { HostKeyFingerprint = "SHA256:" + new string('A', 43) + "\n" }] };

        var problems = FleetConfigValidator.Validate(config, NoSections);

        Assert.Equal(["hosts[1].hostKeyFingerprint: expected 'SHA256:' and 43 base64 characters, as printed by ssh-keygen -lf"], problems);
    }

    [Fact]
    public void Validate_SshHostsWithoutKeyFile_AsksForOne()
    {
        var config = Valid() with { Ssh = new SshSettings { KeyFileEnv = "CHATOPS_TEST_UNSET_" + Guid.NewGuid().ToString("N") } };

        var problem = Assert.Single(FleetConfigValidator.Validate(config, NoSections));
        Assert.StartsWith("ssh.keyFile: required for ssh hosts", problem);
    }

    [Fact]
    public void Validate_UnknownRootSection_IsReportedUnlessOwnedElsewhere()
    {
        var config = Valid() with
        {
            Extra = new() { ["chat"] = default, ["lokc"] = default },
        };

        Assert.Equal(["chat: unknown key", "lokc: unknown key"], FleetConfigValidator.Validate(config, NoSections));
        Assert.Equal(["lokc: unknown key"], FleetConfigValidator.Validate(config, ["chat"]));
    }

    [Fact]
    public void Validate_UnknownKeyExchangeAlgorithm_NamesItAndTheSupportedOnes()
    {
        var config = Valid() with { Ssh = Valid().Ssh with { KeyExchange = ["curve25519-sha256", "diffie-hellman-group0-md5"] } };

        Assert.Empty(FleetConfigValidator.Validate(config, NoSections));
        var problem = Assert.Single(DeployerConfig.Validate(config));

        Assert.StartsWith("ssh.keyExchange: 'diffie-hellman-group0-md5' is not supported (supported: mlkem768x25519-sha256,", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyKeyExchangeList_IsRefused()
    {
        var config = Valid() with { Ssh = Valid().Ssh with { KeyExchange = [] } };

        Assert.Equal(["ssh.keyExchange: at least one algorithm, or leave it out for the default order"], FleetConfigValidator.Validate(config, NoSections));
    }
}
