namespace ChatOpsReconfig.Deployer.Tests;

/// <summary>The one sanitizer on the issue's own examples; the 70-input corpus runs through every echo path in Bot.Tests.</summary>
public sealed class SafeTextTests
{
    private const string Family = "\U0001F469\u200D\U0001F469\u200D\U0001F467";

    [Theory]
    [InlineData("\U0001F680 rocket reason " + Family, "\U0001F680 rocket reason " + Family)]
    [InlineData("@everyone <@U123> <@&42> <!here> <#7> *bold*", "@\u200Beveryone <\u200B@U123> <\u200B@&42> <\u200B!here> <\u200B#7> *bold*")]
    [InlineData("release \u202Eexe.txt", "release exe.txt")]
    [InlineData("a\u0000b\u0007c\u001b[31m", "abc[31m")]
    [InlineData("two\nlines\r\n\tand tab", "two lines and tab")]
    [InlineData("`rm -rf /`", "'rm -rf /'")]
    [InlineData("ev\u200Bery\u200Bone", "everyone")]
    [InlineData(Family + "\u200D", Family)]
    [InlineData("\u200D\u200D", "")]
    [InlineData(null, "")]
    public void Clean_Examples(string? input, string expected) => Assert.Equal(expected, SafeText.Clean(input));

    [Fact]
    public void Clean_Long_CutsOnAGraphemeBoundary()
    {
        Assert.Equal(Family + Family + "…", SafeText.Clean(Family + Family + Family, 2));
        Assert.Equal("ab…", SafeText.Clean("ab\U0001F680", 2));
        Assert.Equal(201, SafeText.Clean(new string('x', 100_000)).Length);
    }

    [Theory]
    [InlineData("bm01", "bm01")]
    [InlineData("bm\u200B01", "bm<U+200B>01")]
    [InlineData("\u202Etoor", "<U+202E>toor")]
    [InlineData("a\u0000b", "a<U+0000>b")]
    [InlineData("n\u00ADow", "n<U+00AD>ow")]
    [InlineData("@everyone", "@\u200Beveryone")]
    [InlineData("`id`", "'id'")]
    [InlineData("\U0001F469\u200D\U0001F469\u200D\U0001F467", "\U0001F469\u200D\U0001F469\u200D\U0001F467")]
    public void Token_ShowsInvisibleCharactersInsteadOfDroppingThem(string input, string expected) => Assert.Equal(expected, SafeText.Token(input));

    [Fact]
    public void Token_Long_IsCutAndBounded()
    {
        Assert.Equal("a<U+D83D>b", SafeText.Token("a" + '\uD83D' + "b")); // a lone surrogate (xunit's data cannot carry one)
        Assert.Equal(new string('9', 40) + "…", SafeText.Token(new string('9', 100_000)));
        Assert.True(SafeText.Token(string.Concat(Enumerable.Repeat("\u200B", 50_000))).Length < 400);
    }
}
