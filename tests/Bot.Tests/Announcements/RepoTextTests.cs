using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>How a failed fetch or read of a repo reads (pinned; the Deployer returns and stores only typed values).</summary>
public sealed class RepoTextTests
{
    private static RepoFailure F(RepoFailureKind kind, string? command = null, string? detail = null) => new() { Kind = kind, Command = command, Detail = detail };

    public static TheoryData<string, RepoFailure> Failures() => new()
    {
        { "fatal: repository '/srv/tools' does not exist", F(RepoFailureKind.RemoteFailed, "git fetch", "fatal: repository '/srv/tools' does not exist") },
        { "exit 128", F(RepoFailureKind.RemoteFailed, "git fetch") with { ExitCode = 128 } },
        { "git fetch timed out after 60s", F(RepoFailureKind.TimedOut, "git fetch") with { TimeoutSeconds = 60 } },
        { "hg pull timed out after 90s", F(RepoFailureKind.TimedOut, "hg pull") with { TimeoutSeconds = 90 } },
        { "cannot run hg identify: No such file or directory", F(RepoFailureKind.CannotRun, "hg identify", "No such file or directory") },
        { "git log failed: fatal: bad object 1234", F(RepoFailureKind.CommandFailed, "git log", "fatal: bad object 1234") },
        { "hg log (count) failed: exit 255", F(RepoFailureKind.CommandFailed, "hg log (count)") with { ExitCode = 255 } },
        { "cannot create mirror /data/mirrors/tools: fatal: cannot mkdir", F(RepoFailureKind.MirrorNotCreated, "git init", "fatal: cannot mkdir") with { Path = "/data/mirrors/tools" } },
        { "fetched, but the mirror has no branch production", F(RepoFailureKind.MirrorHasNoBranch) with { Branch = "production" } },
        { "fetched, but the mirror has no branch production: fatal: Needed a single revision", F(RepoFailureKind.MirrorHasNoBranch, detail: "fatal: Needed a single revision") with { Branch = "production" } },
        { "branch production not found", F(RepoFailureKind.BranchNotFound) with { Branch = "production" } },
        { "unexpected answer from hg identify: <html>", F(RepoFailureKind.UnexpectedAnswer, "hg identify", "<html>") },
        { "not a full revision", F(RepoFailureKind.NotARevision) },
        { "unreadable log output at commit 3: garbage", F(RepoFailureKind.UnreadableLog, detail: "garbage") with { Commit = 3 } },
        { "no repo named 'nope'", F(RepoFailureKind.UnknownRepo) with { Repo = "nope" } },
        // What git or hg says is echoed through the sanitizer.
        { "fatal: @\u200Beveryone 'rm' evil", F(RepoFailureKind.RemoteFailed, "git fetch", "fatal: @everyone `rm`\u202E evil\n") },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Failure_ReadsAsPinned(string expected, RepoFailure failure) => Assert.Equal(expected, RepoText.Failure(failure));

    [Fact]
    public void Problem_NamesTheRepoFirst() =>
        Assert.Equal("tools: branch production not found", RepoText.Problem(F(RepoFailureKind.BranchNotFound) with { Branch = "production", Repo = "tools" }));

    [Fact]
    public void LastFailure_StateOfAnOlderBuild_ShowsItsStoredWords()
    {
        Assert.Equal("cannot read the new commits: git log failed: x", RepoText.LastFailure(new RepoState { Id = "tools", LegacyLastError = "cannot read the new commits: git log failed: x" }));
        Assert.Equal("git fetch timed out after 5s", RepoText.LastFailure(new RepoState { Id = "tools", LastFailure = F(RepoFailureKind.TimedOut, "git fetch") with { TimeoutSeconds = 5 }, LegacyLastError = "old" }));
        Assert.Null(RepoText.LastFailure(new RepoState { Id = "tools" }));
    }
}
