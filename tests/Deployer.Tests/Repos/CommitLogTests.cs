using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Tests.Repos;

public sealed class CommitLogTests
{
    private const string RevA = "1111111111111111111111111111111111111111";
    private const string RevB = "2222222222222222222222222222222222222222";

    [Fact]
    public void Parse_GitStyleRecords_ReadsEveryField()
    {
        var output = $"{RevA}\u001f1700000000\u001fAlice\u001falice@example.com\u001fBug 123456 - one\n\nbody\n\0\n{RevB}\u001f1700000060\u001fBob\u001fbob@example.com\u001ftwo\n\0";

        var log = CommitLog.Parse(output);

        Assert.True(log.Ok, log.Error?.ToString());
        Assert.Equal(2, log.Total);
        Assert.Equal([RevA, RevB], log.Commits.Select(c => c.Rev));
        Assert.Equal("Bug 123456 - one\n\nbody", log.Commits[0].Message);
        Assert.Equal("Bug 123456 - one", log.Commits[0].Summary);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000060), log.Commits[1].AuthoredAt);
        Assert.Equal("bob@example.com", log.Commits[1].AuthorEmail);
    }

    [Fact]
    public void Parse_HgDateWithOffsetAndSeparatorInMessage_KeepsMessageWhole()
    {
        var log = CommitLog.Parse($"{RevA}\u001f1700000000 -3600\u001fAlice\u001falice@example.com\u001fodd \u001f message\0");

        Assert.True(log.Ok, log.Error?.ToString());
        Assert.Equal("odd \u001f message", Assert.Single(log.Commits).Message);
    }

    [Fact]
    public void Parse_Empty_IsNoCommits()
    {
        var log = CommitLog.Parse("");

        Assert.True(log.Ok);
        Assert.Empty(log.Commits);
    }

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>")]
    [InlineData("1111111111111111111111111111111111111111\u001fnot-a-time\u001fA\u001fa@x\u001fmsg\0")]
    [InlineData("zzzz111111111111111111111111111111111111\u001f1700000000\u001fA\u001fa@x\u001fmsg\0")]
    [InlineData("1111111111111111111111111111111111111111\u001f1700000000\u001fA\0")]
    public void Parse_Garbage_IsAFailureNotACrash(string output)
    {
        var log = CommitLog.Parse(output);

        Assert.False(log.Ok);
        Assert.Equal((RepoFailureKind.UnreadableLog, 1), (log.Error!.Kind, log.Error.Commit));
        Assert.DoesNotContain("\n", log.Error.Detail, StringComparison.Ordinal);
    }
}
