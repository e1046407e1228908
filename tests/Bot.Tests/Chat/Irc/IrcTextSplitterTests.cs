using System.Text;
using ChatOpsReconfig.Bot.Chat.Irc;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

public sealed class IrcTextSplitterTests
{
    [Fact]
    public void Split_Table_OneLinePerRow_BlankLinesDropped_IndentKept()
    {
        var lines = IrcTextSplitter.Split("host  result\n----  ------\r\nbm01  ok\n\n   \n  indented", 400);
        Assert.Equal(["host  result", "----  ------", "bm01  ok", "  indented"], lines);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(19)]
    [InlineData(100)]
    public void Split_MultiByteText_EveryPieceUnderTheBudgetAndValidUtf8(int budget)
    {
        var text = string.Concat(Enumerable.Repeat("aä€漢😀", 40));
        var pieces = IrcTextSplitter.Split(text, budget);

        Assert.All(pieces, p => Assert.InRange(Encoding.UTF8.GetByteCount(p), 1, budget));
        Assert.All(pieces, p => Assert.False(char.IsHighSurrogate(p[^1]) || char.IsLowSurrogate(p[0]), $"split pair in '{p}'"));
        Assert.Equal(text, string.Concat(pieces));
    }

    [Fact]
    public void Split_LongSentence_BreaksAtASpace()
    {
        var pieces = IrcTextSplitter.Split("aaaa bbbb cccc dddd eeee ffff", 16);
        Assert.Equal(["aaaa bbbb cccc", "dddd eeee ffff"], pieces);
    }

    [Fact]
    public void Split_ControlCharacters_Removed()
    {
        // \x01 would turn the line into a CTCP (an ACTION), \x03 colours it, \0 ends it for some servers.
        var pieces = IrcTextSplitter.Split("\u0001ACTION waves\u0001 \u000304red\u000f\0 and\ttab\rcr", 400);
        Assert.Equal(["ACTION waves 04red and tabcr"], pieces);
    }

    [Fact]
    public void Split_OnlyBlank_ReturnsNothing() => Assert.Empty(IrcTextSplitter.Split("\n \n\t", 400));
}
