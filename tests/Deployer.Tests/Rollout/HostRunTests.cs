using System.Diagnostics;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Tests.Rollout;

public sealed class HostRunTests
{
    [Fact]
    public async Task FailureDetail_RealGitFailure_ShowsTheFatalLineAndTheLastLine()
    {
        // git's own stderr for a remote that is not there: the failure first, then advice.
        var psi = new ProcessStartInfo("git", ["ls-remote", "/nonexistent/chatops-repo"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var git = Process.Start(psi)!;
        var stderr = await git.StandardError.ReadToEndAsync();
        await git.WaitForExitAsync();
        Assert.NotEqual(0, git.ExitCode);

        var detail = HostRun.FailureDetail(stderr)!;

        Assert.StartsWith("fatal: '/nonexistent/chatops-repo' does not appear to be a git repository … ", detail, StringComparison.Ordinal);
        Assert.EndsWith("and the repository exists.", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("only line\n", "only line")]
    [InlineData("warning: x\nsomething broke\n", "something broke")]
    [InlineData("error: pathspec 'x' did not match\n", "error: pathspec 'x' did not match")]
    [InlineData("abort: no repository found in '/tmp'\nhint: try hg init\n", "abort: no repository found in '/tmp' … hint: try hg init")]
    public void FailureDetail_Lines(string stderr, string expected) => Assert.Equal(expected, HostRun.FailureDetail(stderr));

    [Fact]
    public void FailureDetail_Empty_IsNull() => Assert.Null(HostRun.FailureDetail("\n \n"));

    [Fact]
    public void Tail_CutWouldSplitAnEmoji_StartsAfterIt()
    {
        // 3000 rockets and a newline: 6001 chars, so the last 4096 would begin with the low half of a rocket.
        var output = string.Concat(Enumerable.Repeat("🚀", 3000)) + "\n";

        var tail = HostRun.Tail(output);

        Assert.Equal("…" + output[1906..], tail);
        Assert.False(char.IsLowSurrogate(tail[1]));
    }

    [Fact]
    public void Tail_ShortOutput_Whole() => Assert.Equal("ok\n", HostRun.Tail("ok\n"));
}
