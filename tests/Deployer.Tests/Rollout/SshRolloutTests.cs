using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Tests.Rollout;

/// <summary>
/// Whole rollouts through <see cref="RolloutRunner"/> over SSH to real sshd hosts whose basedirs hold real git and hg
/// working copies. Assertions read the working copies with git and from hg's dirstate, not what the runner reports.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SshRolloutTests(SshdFixture sshd, RepoFixture repoFixture) : IAsyncLifetime
{
    private const string Configs = RepoFixture.GitRepo;
    private const string Custom = RepoFixture.HgRepo;

    private TestRepos _repos = null!; // set in InitializeAsync, before any test runs
    private StoreDatabase? _db;

    private string HostsDir => Path.Combine(_repos.Root, "hosts");

    private string StorePath => Path.Combine(_repos.Root, "chatops.db");

    public async Task InitializeAsync()
    {
        _repos = await repoFixture.CreateAsync();
        await Task.WhenAll(sshd.Hosts.Select(h => _repos.CheckoutIntoAsync(Basedir(h.Name))));
    }

    public Task DisposeAsync()
    {
        _db?.Dispose();
        return Task.CompletedTask;
    }

    private string Basedir(string host) => Path.Combine(HostsDir, host);

    private FleetConfig Fleet(IEnumerable<HostConfig>? hosts = null, Dictionary<string, RoleConfig>? extraRoles = null, Dictionary<string, RepoConfig>? extraRepos = null)
    {
        var repos = new Dictionary<string, RepoConfig>(StringComparer.Ordinal)
        {
            [Configs] = new() { Kind = RepoKind.Git, Url = _repos.Git, Branch = "production" },
            [Custom] = new() { Kind = RepoKind.Hg, Url = _repos.Hg, Branch = "production" },
        };
        foreach (var (k, v) in extraRepos ?? []) repos[k] = v;

        var roles = new Dictionary<string, RoleConfig>(StringComparer.Ordinal)
        {
            ["master"] = new()
            {
                Repos = new(StringComparer.Ordinal) { [Configs] = new() { Path = Configs }, [Custom] = new() { Path = Custom } },
                Steps =
                [
                    new()
                    {
                        Name = "update",
                        Command = $"git -C {{path:{Configs}}} fetch -q origin && git -C {{path:{Configs}}} checkout -q --detach {{rev:{Configs}}}"
                            + $" && hg -R {{path:{Custom}}} pull -q && hg -R {{path:{Custom}}} update -q -C -r {{rev:{Custom}}}",
                        TimeoutSeconds = 60,
                    },
                    new()
                    {
                        Name = "checkconfig",
                        Command = "if [ -e {basedir}/break-checkconfig ]; then echo 'checkconfig: master.cfg is broken' >&2; exit 1; fi",
                        TimeoutSeconds = 30,
                        Gate = true,
                    },
                    new() { Name = "reconfig", Command = "echo reconfigured {host} >> {basedir}/reconfig.log", TimeoutSeconds = 30 },
                ],
            },
        };
        foreach (var (k, v) in extraRoles ?? []) roles[k] = v;

        return new FleetConfig
        {
            DataDir = _repos.Root,
            StorePath = StorePath,
            Repos = repos,
            Roles = roles,
            Hosts = (hosts ?? Masters).ToList(),
            Ssh = sshd.Settings(connectTimeoutSeconds: 2),
            Rollout = new RolloutSettings { CanaryCount = 1, Parallelism = 4, ConnectAttempts = 3, ConnectBackoffSeconds = 0.05 },
        };
    }

    private HostConfig MasterHost(SshdHost h) => SshdFixture.HostConfig(h, "master", Basedir(h.Name));

    /// <summary>Every sshd host as a build master.</summary>
    private IEnumerable<HostConfig> Masters => sshd.Hosts.Select(MasterHost);

    private (RolloutRunner Runner, RolloutStore Store, CountingTransportFactory Transports) CreateSut(FleetConfig fleet)
    {
        _db = new StoreDatabase(StorePath);
        var store = new RolloutStore(_db);
        var transports = new CountingTransportFactory(new HostTransportFactory(fleet, TimeProvider.System));
        var runner = new RolloutRunner(fleet, transports, store, new DeployerEvents(), TimeProvider.System, NullLogger<RolloutRunner>.Instance);
        return (runner, store, transports);
    }

    private async Task<RevisionSet> NewProductionHeadsAsync()
    {
        var git = await _repos.AddGitCommitAsync("Bug 3000 - new slaves for try");
        var hg = await _repos.AddHgCommitAsync("Bug 3001 - fix custom step");
        return new RevisionSet(new Dictionary<string, string>(StringComparer.Ordinal) { [Configs] = git, [Custom] = hg });
    }

    private async Task<(string Git, string Hg)> OnDiskAsync(string host)
    {
        var basedir = Basedir(host);
        var git = Shell.GitHeadAsync(Path.Combine(basedir, Configs));
        var hg = Shell.HgHeadAsync(Path.Combine(basedir, Custom));
        return (await git, await hg);
    }

    private static RolloutPlan Plan(RevisionSet revisions, IEnumerable<string> hosts) =>
        new(revisions, hosts.ToList(), "tester");

    [Fact]
    public async Task Rollout_AllHosts_CheckOutExactlyThePinnedRevisions()
    {
        var fleet = Fleet();
        var (runner, _, _) = CreateSut(fleet);
        var before = await OnDiskAsync("bm01");
        var pinned = await NewProductionHeadsAsync();
        // A push landing after the revision set was pinned waits for the next rollout.
        await _repos.AddGitCommitAsync("Bug 3002 - landed during the rollout");

        var rollout = await runner.RunAsync(Plan(pinned, fleet.Hosts.Select(h => h.Name)), CancellationToken.None);

        Assert.Equal(RolloutState.Succeeded, rollout.State);
        foreach (var host in fleet.Hosts)
        {
            Assert.Equal((pinned[Configs], pinned[Custom]), await OnDiskAsync(host.Name));
            Assert.Equal($"reconfigured {host.Name}\n", File.ReadAllText(Path.Combine(host.Basedir, "reconfig.log")));
        }

        // Everything is in the store, and still there once it is reopened.
        _db!.Dispose();
        _db = new StoreDatabase(StorePath);
        var reopened = new RolloutStore(_db);
        Assert.Equal(RolloutState.Succeeded, (await reopened.GetAsync(rollout.Id, CancellationToken.None))?.State);
        Assert.Equal(pinned.Revisions.OrderBy(kv => kv.Key), (await reopened.GetAsync(rollout.Id, CancellationToken.None))?.Revisions.OrderBy(kv => kv.Key));
        foreach (var h in fleet.Hosts) Assert.Equal(HostOutcome.Ok, (await reopened.GetHostStateAsync(h.Name, CancellationToken.None))?.LastOutcome);
        var results = await reopened.GetHostsAsync(rollout.Id, CancellationToken.None);
        Assert.Equal(fleet.Hosts.Select(h => h.Name).Order(), results.Select(r => r.Host).Order());
        Assert.All(results, r =>
        {
            Assert.Equal(HostOutcome.Ok, r.Outcome);
            Assert.Equal(["update", "checkconfig", "reconfig"], r.Steps.Select(s => s.Name));
            Assert.True(RevisionSet.Matches(r.Before[Configs], before.Git));
            // In full, as the door's ancestry check in the mirror needs it.
            Assert.Equal(before.Hg, r.Before[Custom]);
            Assert.True(RevisionSet.Matches(r.After[Configs], pinned[Configs]));
            Assert.Equal(pinned[Custom], r.After[Custom]);
        });
    }

    [Fact]
    public async Task Rollout_GateFailsOnOneHost_RestoresItAndUpdatesTheOthers()
    {
        var fleet = Fleet();
        var (runner, store, _) = CreateSut(fleet);
        var before = await OnDiskAsync("bm03");
        var pinned = await NewProductionHeadsAsync();
        File.WriteAllText(Path.Combine(Basedir("bm03"), "break-checkconfig"), "");

        var rollout = await runner.RunAsync(Plan(pinned, fleet.Hosts.Select(h => h.Name)), CancellationToken.None);

        Assert.Equal(RolloutState.Failed, rollout.State);
        Assert.Equal(before, await OnDiskAsync("bm03"));
        Assert.False(File.Exists(Path.Combine(Basedir("bm03"), "reconfig.log")), "reconfig ran after a failed checkconfig");
        foreach (var host in new[] { "bm01", "bm02" })
        {
            Assert.Equal((pinned[Configs], pinned[Custom]), await OnDiskAsync(host));
        }

        var failed = Assert.Single((await store.GetHostsAsync(rollout.Id, CancellationToken.None)), r => r.Outcome != HostOutcome.Ok);
        Assert.Equal(("bm03", HostOutcome.Failed, "checkconfig", true), (failed.Host, failed.Outcome, failed.FailedStep, failed.Restored));
        Assert.Equal((HostFailureKind.Step, "checkconfig", RestoreOutcome.Restored), (failed.Failure!.Kind, failed.Failure.Step, failed.Failure.Restore));
        Assert.Contains("master.cfg is broken", failed.Failure.Detail, StringComparison.Ordinal);
        Assert.Equal(["update", "checkconfig", "restore"], failed.Steps.Select(s => s.Name));
    }

    [Fact]
    public async Task Rollout_CanaryFails_HaltsAndLeavesOthersUntouched()
    {
        var fleet = Fleet();
        var (runner, store, transports) = CreateSut(fleet);
        var before = await OnDiskAsync("bm01");
        var pinned = await NewProductionHeadsAsync();
        File.WriteAllText(Path.Combine(Basedir("bm01"), "break-checkconfig"), "");

        var rollout = await runner.RunAsync(Plan(pinned, ["bm01", "bm02", "bm03"]), CancellationToken.None);

        Assert.Equal(RolloutState.Halted, rollout.State);
        foreach (var host in new[] { "bm01", "bm02", "bm03" })
        {
            Assert.Equal(before, await OnDiskAsync(host));
            Assert.False(File.Exists(Path.Combine(Basedir(host), "reconfig.log")));
        }

        var results = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).ToDictionary(r => r.Host);
        Assert.Equal((HostOutcome.Failed, true), (results["bm01"].Outcome, results["bm01"].Restored));
        Assert.All(["bm02", "bm03"], h =>
        {
            Assert.Equal(HostOutcome.Skipped, results[h].Outcome);
            Assert.Empty(results[h].Steps);
            Assert.Equal(0, transports.Attempts(h));
        });
    }

    [Fact]
    public async Task Rollout_OneHostUnreachable_IsReportedAndRetried_OthersProceed()
    {
        var down = new HostConfig
        {
            Name = "bm04", Address = "127.0.0.1", Port = SshdFixture.FreePort(), Role = "master", Basedir = Basedir("bm04"),
        };
        var fleet = Fleet(Masters.Append(down));
        var (runner, store, transports) = CreateSut(fleet);
        var pinned = await NewProductionHeadsAsync();

        var rollout = await runner.RunAsync(Plan(pinned, fleet.Hosts.Select(h => h.Name)), CancellationToken.None);

        Assert.Equal(RolloutState.Failed, rollout.State);
        var results = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).ToDictionary(r => r.Host);
        Assert.Equal((HostOutcome.Unreachable, "connect"), (results["bm04"].Outcome, results["bm04"].FailedStep));
        Assert.Equal((ConnectProblem.ConnectionRefused, $"bm04 (127.0.0.1:{down.Port})"), (results["bm04"].Failure?.ConnectFailure?.Problem, results["bm04"].Failure?.ConnectFailure?.Host));
        Assert.Equal(fleet.Rollout.ConnectAttempts, transports.Attempts("bm04"));
        foreach (var host in fleet.Hosts.SkipLast(1))
        {
            Assert.Equal(HostOutcome.Ok, results[host.Name].Outcome);
            Assert.Equal(1, transports.Attempts(host.Name));
            Assert.Equal((pinned[Configs], pinned[Custom]), await OnDiskAsync(host.Name));
        }
    }

    [Fact]
    public async Task Rollout_HostNameWithShellMetacharacters_IsRefused_OthersProceed()
    {
        var marker = Path.Combine(_repos.Root, "pwned-by-host-name");
        var evil = MasterHost(sshd.Hosts[1]) with { Name = $"bm02;touch {marker}" };
        var fleet = Fleet([MasterHost(sshd.Hosts[0]), evil, MasterHost(sshd.Hosts[2])]);
        var (runner, store, transports) = CreateSut(fleet);
        var before = await OnDiskAsync("bm02");
        var pinned = await NewProductionHeadsAsync();

        var rollout = await runner.RunAsync(Plan(pinned, fleet.Hosts.Select(h => h.Name)), CancellationToken.None);

        var results = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).ToDictionary(r => r.Host);
        var refused = results[evil.Name];
        Assert.Equal((HostOutcome.Failed, "connect"), (refused.Outcome, refused.FailedStep));
        Assert.Equal((ConnectProblem.InvalidHostName, evil.Name), (refused.Failure?.ConnectFailure?.Problem, refused.Failure?.ConnectFailure?.Value));
        Assert.Empty(refused.Steps);
        Assert.Equal(1, transports.Attempts(evil.Name));
        Assert.False(File.Exists(marker));
        Assert.Equal(before, await OnDiskAsync("bm02"));
        foreach (var host in new[] { "bm01", "bm03" })
        {
            Assert.Equal(HostOutcome.Ok, results[host].Outcome);
            Assert.Equal((pinned[Configs], pinned[Custom]), await OnDiskAsync(host));
        }
    }

    [Fact]
    public async Task Rollout_RevisionWithShellMetacharacters_IsRefusedOnThatHost_OthersProceed()
    {
        // bm03 is a "foopy" that carries the tools repo; the plan names a revision for it that is a shell command.
        const string tools = "tools";
        var marker = Path.Combine(_repos.Root, "pwned-by-revision");
        var foopy = new RoleConfig
        {
            Repos = new(StringComparer.Ordinal) { [tools] = new() { Path = Configs } },
            Steps =
            [
                new() { Name = "update", Command = $"git -C {{path:{tools}}} fetch -q origin && git -C {{path:{tools}}} checkout -q --detach {{rev:{tools}}}" },
                new() { Name = "restart", Command = "echo restarted >> {basedir}/reconfig.log" },
            ],
        };
        var fleet = Fleet(
            sshd.Hosts.Take(2).Select(MasterHost).Append(SshdFixture.HostConfig(sshd.Hosts[2], "foopy", Basedir("bm03"))),
            extraRoles: new(StringComparer.Ordinal) { ["foopy"] = foopy },
            extraRepos: new(StringComparer.Ordinal) { [tools] = new() { Kind = RepoKind.Git, Url = _repos.Git } });
        var (runner, store, _) = CreateSut(fleet);
        var before = await OnDiskAsync("bm03");
        var heads = await NewProductionHeadsAsync();
        var pinned = new RevisionSet(new Dictionary<string, string>(heads.Revisions, StringComparer.Ordinal) { [tools] = $"abc1234;touch {marker}" });

        var rollout = await runner.RunAsync(Plan(pinned, ["bm01", "bm02", "bm03"]), CancellationToken.None);

        var results = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).ToDictionary(r => r.Host);
        var refused = results["bm03"];
        Assert.Equal((HostOutcome.Failed, "update"), (refused.Outcome, refused.FailedStep));
        var step = Assert.Single(refused.Steps);
        Assert.Equal(StepStatus.Refused, step.Status);
        Assert.Null(step.Error);
        // The value is kept through the sanitizer, cut at 80 characters (the marker's path is as long as TMPDIR makes it).
        var refusal = new TemplateProblem { Kind = TemplateProblemKind.InvalidValue, Placeholder = "rev", Repo = tools, Value = SafeText.Clean($"abc1234;touch {marker}", 80) };
        Assert.Equal(refusal, Assert.Single(step.Refusal!));
        Assert.Equal(refusal, Assert.Single(refused.Failure!.Refusal!));
        Assert.False(File.Exists(marker));
        Assert.False(File.Exists(Path.Combine(Basedir("bm03"), "reconfig.log")));
        Assert.Equal(before, await OnDiskAsync("bm03"));
        foreach (var host in new[] { "bm01", "bm02" })
        {
            Assert.Equal(HostOutcome.Ok, results[host].Outcome);
            Assert.Equal((heads[Configs], heads[Custom]), await OnDiskAsync(host));
        }
    }
}
