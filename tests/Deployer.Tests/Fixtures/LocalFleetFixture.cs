using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>
/// A fleet on this machine: real git "production" repos under <c>upstream/</c> (two commits each) and hosts that are
/// <c>local</c>-transport basedirs under <c>hosts/</c> holding real clones checked out one commit behind production.
/// Made by <see cref="LocalFleetTemplate.CreateFleetAsync"/>.
/// </summary>
public sealed class LocalFleetFixture : IDisposable
{
    public const string Branch = "production";

    public static readonly string[] RepoNames = ["configs", "custom"];

    private LocalFleetFixture(TempDirectory dir, IReadOnlyList<string> hosts)
    {
        Dir = dir;
        HostNames = hosts;
    }

    public TempDirectory Dir { get; }

    public IReadOnlyList<string> HostNames { get; }

    /// <summary>Production head of every repo when the fixture was made.</summary>
    public Dictionary<string, string> Heads { get; } = new(StringComparer.Ordinal);

    /// <summary>The commit before the head: what every host runs at first.</summary>
    public Dictionary<string, string> Previous { get; } = new(StringComparer.Ordinal);

    public string StorePath => Dir.Combine("store", "chatops.db");

    /// <summary>The default role: update (fetch + checkout of the pinned revisions), checkconfig (a gate), reconfig.</summary>
    public static IReadOnlyList<StepConfig> DefaultSteps { get; } =
    [
        new StepConfig
        {
            Name = "update", TimeoutSeconds = 120,
            Command = string.Join(" && ", RepoNames.Select(r => $"git -C {{path:{r}}} fetch -q origin && git -C {{path:{r}}} checkout -q --detach {{rev:{r}}}")),
        },
        new StepConfig { Name = "checkconfig", Gate = true, TimeoutSeconds = 60, Command = "sh {path:configs}/checkconfig.sh {basedir}" },
        new StepConfig { Name = "reconfig", TimeoutSeconds = 60, Command = "echo {host} > {basedir}/reconfigured" },
    ];

    /// <summary>Copies the template's repos and hosts, so each test gets its own fleet cheaply.</summary>
    internal static async Task<LocalFleetFixture> CopyAsync(LocalFleetTemplate template, int hostCount)
    {
        var fixture = new LocalFleetFixture(new TempDirectory("fleet"), Enumerable.Range(1, hostCount).Select(i => $"h{i}").ToList());
        try
        {
            var copies = string.Join(" && ", fixture.HostNames.Select(h => $"cp -a {Q(template.Host)} {Q(fixture.Basedir(h))}"));
            await Shell.ShAsync($"cp -a {Q(template.Upstream)} {Q(fixture.Dir.Path)}/ && mkdir {Q(fixture.Dir.Combine("hosts"))} && {copies}");
            foreach (var (repo, rev) in template.Heads) fixture.Heads[repo] = rev;
            foreach (var (repo, rev) in template.Previous) fixture.Previous[repo] = rev;
            return fixture;
        }
        catch
        {
            fixture.Dispose();
            throw;
        }
    }

    public string Upstream(string repo) => Dir.Combine("upstream", repo);

    public string Basedir(string host) => Dir.Combine("hosts", host);

    public string WorkingCopy(string host, string repo) => Path.Combine(Basedir(host), repo);

    /// <summary>The fleet: every host on the default role, canary first, the given steps.</summary>
    public FleetConfig Fleet(IReadOnlyList<StepConfig>? steps = null, int canaryCount = 1, int parallelism = 10) => new()
    {
        DataDir = Dir.Combine("data"),
        StorePath = StorePath,
        Repos = RepoNames.ToDictionary(r => r, r => new RepoConfig { Url = Upstream(r), Branch = Branch }, StringComparer.Ordinal),
        Roles =
        {
            ["master"] = new RoleConfig
            {
                Repos = RepoNames.ToDictionary(r => r, r => new RoleRepo { Path = r }, StringComparer.Ordinal),
                Steps = [.. steps ?? DefaultSteps],
            },
        },
        Hosts = HostNames.Select(h => new HostConfig { Name = h, Role = "master", Transport = TransportKind.Local, Basedir = Basedir(h) }).ToList(),
        Rollout = new RolloutSettings { CanaryCount = canaryCount, Parallelism = parallelism, ConnectAttempts = 1 },
    };

    public RolloutPlan Plan(IReadOnlyList<string>? hosts = null) =>
        new(new RevisionSet(new Dictionary<string, string>(Heads, StringComparer.Ordinal)), hosts ?? HostNames, "tester");

    public RolloutRunner Runner(FleetConfig fleet, IRolloutStore store, DeployerEvents events, TimeProvider time) =>
        new(fleet, new HostTransportFactory(fleet, time), store, events, time, NullLogger<RolloutRunner>.Instance);

    /// <summary>What every repo of a host has checked out, read with <c>git rev-parse</c> on disk.</summary>
    public async Task<Dictionary<string, string>> OnDiskAsync(string host)
    {
        var revs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var repo in RepoNames) revs[repo] = await Shell.RevParseAsync(WorkingCopy(host, repo));
        return revs;
    }

    /// <summary>Adds a commit to a repo's production branch; returns the new head.</summary>
    public async Task<string> CommitAsync(string repo, string file, string content)
    {
        await File.WriteAllTextAsync(Path.Combine(Upstream(repo), file), content);
        await Shell.GitAsync(Upstream(repo), "add", "-A");
        await Shell.GitAsync(Upstream(repo), "commit", "-q", "-m", $"change {file}");
        return await Shell.RevParseAsync(Upstream(repo));
    }

    public void Dispose() => Dir.Dispose();

    private static string Q(string value) => CommandTemplate.ShellQuote(value);
}

/// <summary>
/// Seeds the repos and one host's working copies once per test class (an xunit class fixture);
/// <see cref="CreateFleetAsync"/> copies them into a fresh <see cref="LocalFleetFixture"/> per test.
/// </summary>
public sealed class LocalFleetTemplate : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("fleet-template");

    public string Upstream => _dir.Combine("upstream");

    public string Host => _dir.Combine("hosts", "template");

    public Dictionary<string, string> Heads { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Previous { get; } = new(StringComparer.Ordinal);

    public Task<LocalFleetFixture> CreateFleetAsync(int hostCount = 3) => LocalFleetFixture.CopyAsync(this, hostCount);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Host);
        foreach (var repo in LocalFleetFixture.RepoNames)
        {
            var url = Path.Combine(Upstream, repo);
            Directory.CreateDirectory(url);
            await Shell.GitAsync(url, "init", "-q", "-b", LocalFleetFixture.Branch);
            await File.WriteAllTextAsync(Path.Combine(url, "README"), $"{repo}\n");
            // checkconfig fails on a host whose basedir holds a file named break-checkconfig.
            await File.WriteAllTextAsync(Path.Combine(url, "checkconfig.sh"), "#!/bin/sh\ntest ! -e \"$1/break-checkconfig\"\n");
            await Shell.GitAsync(url, "add", "-A");
            await Shell.GitAsync(url, "commit", "-q", "-m", $"Initial {repo}");
            Previous[repo] = await Shell.RevParseAsync(url);
            await File.AppendAllTextAsync(Path.Combine(url, "README"), "Bug 1040013 - no manual reconfigs\n");
            await Shell.GitAsync(url, "commit", "-q", "-am", $"Bug 1040013 - {repo}: no manual reconfigs");
            Heads[repo] = await Shell.RevParseAsync(url);

            var clone = Path.Combine(Host, repo);
            await Shell.CheckAsync("git", ["clone", "-q", "--branch", LocalFleetFixture.Branch, "--", url, clone]);
            await Shell.GitAsync(clone, "checkout", "-q", "--detach", Previous[repo]);
            // Relative to the working copy, so every copy of the fleet fetches from its own upstream.
            await Shell.GitAsync(clone, "remote", "set-url", "origin", $"../../../upstream/{repo}");
        }
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}
