using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Demo;

/// <summary>What the demo set-up made: a repo, or a local host's working copies.</summary>
public enum DemoPart
{
    Repo,
    Host,
}

/// <summary>One thing the demo set-up created: the repo or host <paramref name="Name"/>, at <paramref name="Path"/>.</summary>
public sealed record DemoCreated(DemoPart Part, string Name, string Path);

/// <summary>
/// Creates the demo fleet on first start: a local git repo per configured repo (with a production branch) and,
/// for each local host, working copies cloned one commit behind production, so there is something to deploy.
/// </summary>
public sealed class DemoFleetSeeder(FleetConfig fleet, TimeProvider time)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string> Author = new()
    {
        ["GIT_AUTHOR_NAME"] = "Demo Releng", ["GIT_AUTHOR_EMAIL"] = "releng@example.com",
        ["GIT_COMMITTER_NAME"] = "Demo Releng", ["GIT_COMMITTER_EMAIL"] = "releng@example.com",
    };

    /// <summary>Returns what it created (empty when everything already existed).</summary>
    public async Task<IReadOnlyList<DemoCreated>> SeedAsync(CancellationToken cancellationToken)
    {
        var created = new List<DemoCreated>();
        if (fleet.Demo is not { Create: true }) return created;

        var newRepos = new List<(string Name, RepoConfig Repo)>();
        foreach (var (name, repo) in fleet.Repos)
        {
            if (repo.Kind != RepoKind.Git || Directory.Exists(repo.Url)) continue;
            await CreateRepoAsync(name, repo, cancellationToken);
            newRepos.Add((name, repo));
            created.Add(new DemoCreated(DemoPart.Repo, name, repo.Url));
        }

        foreach (var host in fleet.Hosts.Where(h => h.Transport == TransportKind.Local && !Directory.Exists(h.Basedir)))
        {
            Directory.CreateDirectory(host.Basedir);
            foreach (var (repoName, roleRepo) in fleet.Roles[host.Role].Repos)
            {
                var repo = fleet.Repos[repoName];
                var path = Rollout.RevisionReader.PathOnHost(host, roleRepo);
                await GitAsync(null, cancellationToken, "clone", "-q", "--branch", repo.Branch, "--", repo.Url, path);
                await GitAsync(path, cancellationToken, "checkout", "-q", "--detach", "HEAD~1");
            }

            created.Add(new DemoCreated(DemoPart.Host, host.Name, host.Basedir));
        }

        return created;
    }

    private async Task CreateRepoAsync(string name, RepoConfig repo, CancellationToken ct)
    {
        Directory.CreateDirectory(repo.Url);
        await GitAsync(repo.Url, ct, "init", "-q", "-b", repo.Branch);
        await File.WriteAllTextAsync(Path.Combine(repo.Url, "README"), $"{name}: demo repository created by ChatOpsReconfig\n", ct);
        if (name.Contains("config", StringComparison.OrdinalIgnoreCase))
        {
            await File.WriteAllTextAsync(Path.Combine(repo.Url, "checkconfig.sh"), "#!/bin/sh\n# make checkconfig: exit non-zero to fail the gate\necho 'config ok'\n", ct);
        }

        await GitAsync(repo.Url, ct, "add", "-A");
        await GitAsync(repo.Url, ct, "commit", "-q", "-m", $"Initial {name}");
        await File.AppendAllTextAsync(Path.Combine(repo.Url, "README"), "Bug 1040013 - no manual reconfigs\n", ct);
        await GitAsync(repo.Url, ct, "commit", "-q", "-am", $"Bug 1040013 - {name}: no manual reconfigs");
        // Let hosts fetch from a non-bare repo without warnings about the checked-out branch.
        await GitAsync(repo.Url, ct, "config", "receive.denyCurrentBranch", "updateInstead");
    }

    private async Task GitAsync(string? cwd, CancellationToken ct, params string[] args)
    {
        var result = await ProcessRunner.RunAsync("git", args, cwd, Timeout, time, ct, Author);
        if (!result.Ok) throw new InvalidOperationException($"demo set-up: git {string.Join(' ', args)} failed: {result.FirstErrorLine ?? $"exit {result.ExitCode}"}");
    }
}
