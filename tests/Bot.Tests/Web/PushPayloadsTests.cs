using System.Text;
using ChatOpsReconfig.Bot.Web;

namespace ChatOpsReconfig.Bot.Tests.Web;

public sealed class PushPayloadsTests
{
    [Theory]
    [InlineData("https://github.com/mozilla/build-tools.git")]
    [InlineData("https://github.com/mozilla/build-tools")]
    [InlineData("https://github.com/mozilla/build-tools/")]
    [InlineData("git@github.com:mozilla/build-tools.git")]
    [InlineData("git://github.com/mozilla/build-tools.git")]
    [InlineData("ssh://git@github.com/mozilla/build-tools.git")]
    [InlineData("ssh://git@github.com:22/mozilla/build-tools")]
    [InlineData("https://GitHub.com/Mozilla/Build-Tools.git")]
    public void IsAt_AnyOfGitHubsUrlsForTheRepo_Matches(string configUrl)
    {
        var push = Parse("""
            {"ref":"refs/heads/production","repository":{"name":"build-tools","clone_url":"https://github.com/mozilla/build-tools.git",
             "ssh_url":"git@github.com:mozilla/build-tools.git","git_url":"git://github.com/mozilla/build-tools.git","html_url":"https://github.com/mozilla/build-tools"}}
            """);

        Assert.True(push.IsAt(configUrl));
    }

    [Theory]
    [InlineData("https://github.com/mozilla/build-tools-old.git")]
    [InlineData("https://github.com/other/build-tools.git")]
    [InlineData("https://gitlab.com/mozilla/build-tools.git")]
    [InlineData("/srv/git/build-tools")]
    public void IsAt_AnotherRepo_DoesNotMatch(string configUrl)
    {
        var push = Parse("""{"ref":"refs/heads/production","repository":{"clone_url":"https://github.com/mozilla/build-tools.git"}}""");

        Assert.False(push.IsAt(configUrl));
    }

    [Fact]
    public void IsAt_LocalPathAndFileUrl_Match()
    {
        var push = Parse("""{"ref":"refs/heads/production","repository":{"clone_url":"file:///srv/git/tools.git"}}""");

        Assert.True(push.IsAt("/srv/git/tools"));
        Assert.True(push.IsAt("/srv/git/tools.git/"));
    }

    [Theory]
    [InlineData("refs/heads/production", "production")]
    [InlineData("refs/heads/production-0.8", "production-0.8")]
    [InlineData("refs/heads/release/2.x", "release/2.x")]
    [InlineData("refs/tags/v1.0", null)]
    [InlineData("refs/pull/1/head", null)]
    public void Branch_OfRef_IsTheNameUnderRefsHeads(string @ref, string? branch)
    {
        Assert.Equal(branch, Parse($$"""{"ref":"{{@ref}}"}""").Branch);
    }

    [Theory]
    [InlineData("refs/heads/feature+x", true)]
    [InlineData("refs/heads/a.b", true)]
    [InlineData("refs/heads/a..b", false)]
    [InlineData("refs/heads/.hidden", false)]
    [InlineData("refs/heads/x.lock", false)]
    [InlineData("refs/heads/x/", false)]
    [InlineData("refs/heads/a b", false)]
    [InlineData("refs/heads/a~1", false)]
    [InlineData("refs/heads/a^", false)]
    [InlineData("refs/heads/a:b", false)]
    [InlineData("refs/heads/a@{1}", false)]
    [InlineData("refs/heads//a", false)]
    [InlineData("refs/heads/a\\b", false)]
    [InlineData("refs/heads/a\u0001", false)]
    public void IsValidRefName_FollowsCheckRefFormat(string name, bool valid)
    {
        Assert.Equal(valid, GitPush.IsValidRefName(name));
    }

    [Theory]
    [InlineData("production", true)]
    [InlineData("release 2.x", true)]
    [InlineData("default", true)]
    [InlineData("", false)]
    [InlineData(" production", false)]
    [InlineData("production\n", false)]
    [InlineData("a:b", false)]
    [InlineData("123", false)]
    [InlineData("tip", false)]
    [InlineData("null", false)]
    [InlineData(".", false)]
    public void IsValidBranch_FollowsMercurial(string name, bool valid)
    {
        Assert.Equal(valid, HgPush.IsValidBranch(name));
    }

    [Fact]
    public void Parse_HgPushWithoutNode_IsValid()
    {
        var parsed = HgPush.Parse(Encoding.UTF8.GetBytes("""{"repo":"tools","branch":"production"}"""));

        Assert.Equal(new HgPush("tools", "production", null), parsed.Value);
    }

    [Fact]
    public void Parse_DeeplyNestedJson_IsRefusedNotThrown()
    {
        var parsed = GitPush.Parse(Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000)));

        Assert.StartsWith("malformed JSON", parsed.Error, StringComparison.Ordinal);
    }

    private static GitPush Parse(string json)
    {
        var parsed = GitPush.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Null(parsed.Error);
        return parsed.Value!;
    }
}
