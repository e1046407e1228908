namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>
/// Local "production" repositories: a git repo with branch <c>production</c> and an hg repo with named branch
/// <c>production</c>, two commits each. They are built once; every test gets its own copy through
/// <see cref="CreateAsync"/>, so tests can add commits and update hosts without seeing each other.
/// </summary>
public sealed class RepoFixture : IAsyncLifetime
{
    public const string GitRepo = "configs";
    public const string HgRepo = "custom";

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "chatops-repos-" + Guid.NewGuid().ToString("N")[..8]);

    private string Template => Path.Combine(Root, "template");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(Template, GitRepo));
        Directory.CreateDirectory(Path.Combine(Template, HgRepo));
        await Task.WhenAll(InitGitAsync(Path.Combine(Template, GitRepo)), InitHgAsync(Path.Combine(Template, HgRepo)));
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup.
        }

        return Task.CompletedTask;
    }

    /// <summary>A fresh pair of upstream repos (a copy of the template) under a directory of its own.</summary>
    public async Task<TestRepos> CreateAsync()
    {
        var dir = Path.Combine(Root, Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        await Shell.CheckAsync("cp", ["-a", Template, Path.Combine(dir, "upstream")]);
        return new TestRepos(dir, Template);
    }

    private static async Task InitGitAsync(string repo)
    {
        await Shell.GitAsync(repo, "init", "-q", "-b", "production");
        await TestRepos.GitCommitAsync(repo, "master.cfg", "first config", "Bug 1000 - initial configs");
        await TestRepos.GitCommitAsync(repo, "master.cfg", "second config", "Bug 1001 - tune masters");
    }

    private static async Task InitHgAsync(string repo)
    {
        await Shell.CheckAsync("hg", ["init", repo]);
        await Shell.HgAsync(repo, "branch", "-q", "production");
        await TestRepos.HgCommitAsync(repo, "custom.py", "first", "Bug 2000 - initial custom");
        await TestRepos.HgCommitAsync(repo, "custom.py", "second", "Bug 2001 - more custom");
    }
}

/// <summary>One test's upstream git and hg repos, and working copies of them in host basedirs.</summary>
public sealed class TestRepos(string root, string template)
{
    public string Root { get; } = root;

    public string Git => Path.Combine(Root, "upstream", RepoFixture.GitRepo);

    public string Hg => Path.Combine(Root, "upstream", RepoFixture.HgRepo);

    public Task<string> GitHeadAsync() => Shell.GitAsync(Git, "rev-parse", "refs/heads/production");

    public Task<string> HgHeadAsync() => Shell.HgAsync(Hg, "log", "-r", "production", "-T", "{node}");

    /// <summary>Adds a commit on <c>production</c>; returns its full hash.</summary>
    public async Task<string> AddGitCommitAsync(string message)
    {
        await GitCommitAsync(Git, "master.cfg", message, message);
        return await GitHeadAsync();
    }

    /// <summary>Adds a commit on the named branch <c>production</c>; returns its full node.</summary>
    public Task<string> AddHgCommitAsync(string message) => HgCommitAsync(Hg, "custom.py", message, message);

    /// <summary>
    /// Creates <c>{basedir}/configs</c> (git) and <c>{basedir}/custom</c> (hg) working copies at the template's
    /// production heads, pulling from this test's upstream. A copy of the template plus a remote is what a clone
    /// would give, without paying for an hg clone per host.
    /// </summary>
    public async Task CheckoutIntoAsync(string basedir)
    {
        Directory.CreateDirectory(basedir);
        await Shell.CheckAsync("cp", ["-a", Path.Combine(template, RepoFixture.GitRepo), Path.Combine(template, RepoFixture.HgRepo), basedir]);
        await File.AppendAllTextAsync(
            Path.Combine(basedir, RepoFixture.GitRepo, ".git", "config"),
            $"[remote \"origin\"]\n\turl = {Git}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n");
        await File.WriteAllTextAsync(Path.Combine(basedir, RepoFixture.HgRepo, ".hg", "hgrc"), $"[paths]\ndefault = {Hg}\n");
    }

    internal static async Task GitCommitAsync(string repo, string file, string content, string message)
    {
        await File.AppendAllTextAsync(Path.Combine(repo, file), content + "\n");
        await Shell.GitAsync(repo, "add", file);
        await Shell.GitAsync(repo, "commit", "-q", "-m", message);
    }

    /// <summary>Commits a change to <paramref name="file"/>; returns the new changeset's full node.</summary>
    internal static async Task<string> HgCommitAsync(string repo, string file, string content, string message)
    {
        await File.AppendAllTextAsync(Path.Combine(repo, file), content + "\n");
        return Shell.CommittedChangeset(await Shell.HgAsync(repo, "commit", "--debug", "-A", "-m", message));
    }
}
