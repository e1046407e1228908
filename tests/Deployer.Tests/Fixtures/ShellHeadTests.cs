namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>
/// The tests read hosts' git revisions from the files (<see cref="Shell.GitWorkingHead"/>) and assert on them, so the
/// reader must give what git gives, or nothing.
/// </summary>
public sealed class ShellHeadTests : IDisposable
{
    private readonly TempDirectory _dir = new("chatops-shell-head");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("branch", true)]
    [InlineData("detached", true)]
    [InlineData("packed", false)]
    [InlineData("unborn", false)]
    [InlineData("bare", false)]
    public async Task GitWorkingHead_GivesWhatGitGives_OrNothing(string shape, bool read)
    {
        var repo = _dir.Combine("repo");
        await Shell.CheckAsync("git", shape == "bare" ? ["init", "-q", "--bare", repo] : ["init", "-q", "-b", "production", repo]);
        if (shape is not ("unborn" or "bare"))
        {
            await Shell.GitAsync(repo, "commit", "-q", "--allow-empty", "-m", "one");
            await Shell.GitAsync(repo, "commit", "-q", "--allow-empty", "-m", "two");
        }

        if (shape == "detached") await Shell.GitAsync(repo, "checkout", "-q", "--detach", "HEAD~1");
        if (shape == "packed") await Shell.GitAsync(repo, "pack-refs", "--all");

        var head = Shell.GitWorkingHead(repo);

        if (read) Assert.Equal((await Shell.GitAsync(repo, "rev-parse", "HEAD")).Trim(), head);
        else Assert.Null(head);
    }
}
