using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>Runs local tools (ssh-keygen, git, hg, pgrep) for the fixtures and for assertions on what hosts hold.</summary>
public static class Shell
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["HGUSER"] = "Test Engineer <test@example.com>",
        ["GIT_AUTHOR_NAME"] = "Test Engineer",
        ["GIT_AUTHOR_EMAIL"] = "test@example.com",
        ["GIT_COMMITTER_NAME"] = "Test Engineer",
        ["GIT_COMMITTER_EMAIL"] = "test@example.com",
    };

    public static Task<ProcessResult> RunAsync(string file, IReadOnlyList<string> args, string? workingDirectory = null) =>
        ProcessRunner.RunAsync(file, args, workingDirectory, Timeout, TimeProvider.System, CancellationToken.None, Environment);

    /// <summary>Runs and insists on exit 0; returns trimmed stdout.</summary>
    public static async Task<string> CheckAsync(string file, IReadOnlyList<string> args, string? workingDirectory = null)
    {
        var r = await RunAsync(file, args, workingDirectory);
        if (!r.Ok) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({r.ExitCode}): {r.Stderr}{r.Stdout}");
        return r.Stdout.Trim();
    }

    public static Task<string> GitAsync(string repo, params string[] args) => CheckAsync("git", ["-C", repo, .. args]);

    public static Task<string> HgAsync(string repo, params string[] args) => CheckAsync("hg", ["-R", repo, .. args]);

    /// <summary>The full revision a working copy has checked out.</summary>
    public static Task<string> GitHeadAsync(string workingCopy) => GitAsync(workingCopy, "rev-parse", "HEAD");

    public static Task<string> HgHeadAsync(string workingCopy) => HgAsync(workingCopy, "log", "-r", ".", "-T", "{node}");
}
