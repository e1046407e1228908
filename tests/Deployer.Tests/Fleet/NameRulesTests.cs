using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Tests.Fleet;

public sealed class NameRulesTests
{
    [Theory]
    [InlineData("bm01", true)]
    [InlineData("buildbot-configs", true)]
    [InlineData("production-0.8", true)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void IsValidName_DotNamesAndSlashes_Refused(string name, bool valid) =>
        Assert.Equal(valid, CommandTemplate.IsValidName(name));
}
