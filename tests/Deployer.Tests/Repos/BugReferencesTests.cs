using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Tests.Repos;

public sealed class BugReferencesTests
{
    [Theory]
    [InlineData("Bug 123456 - fix the thing", new[] { 123456 })]
    [InlineData("bug-1234567: and bug12345", new[] { 1234567, 12345 })]
    [InlineData("Bug 23456, bug 12345, Bug 23456 again", new[] { 23456, 12345 })]
    [InlineData("Backed out changeset abc (bug 1040013) for bustage", new[] { 1040013 })]
    [InlineData("multi\nline\nBug 555555 on line three", new[] { 555555 })]
    public void Find_DefaultPattern_FindsBugsInOrderWithoutRepeats(string text, int[] expected)
    {
        Assert.Equal(expected, BugReferences.Default.Find(text));
    }

    [Theory]
    [InlineData("bug 1234")]
    [InlineData("Bugzilla 123456")]
    [InlineData("Bug: 123456")]
    [InlineData("no bug here")]
    [InlineData("")]
    public void Find_NearMisses_FindNothing(string text)
    {
        Assert.Empty(BugReferences.Default.Find(text));
    }

    [Fact]
    public void Find_CustomPattern_UsesItsFirstGroup()
    {
        var bugs = new BugReferences(@"#(\d+)");

        Assert.Equal([42, 7], bugs.Find("fixes #42, refs #7 and #42; Bug 123456 is ignored"));
    }

    [Fact]
    public void Find_NumberTooLargeForABugId_IsSkipped()
    {
        Assert.Equal([12345], new BugReferences(@"b(\d+)").Find("b99999999999 b12345"));
    }

    [Fact]
    public void Union_OfCommits_KeepsFirstMentionOrder()
    {
        Commit[] commits = [new() { Bugs = [3, 1] }, new() { Bugs = [1, 2] }, new() { Bugs = [] }];

        Assert.Equal([3, 1, 2], BugReferences.Union(commits));
    }
}
