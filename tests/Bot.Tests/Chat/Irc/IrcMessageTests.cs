using ChatOpsReconfig.Bot.Chat.Irc;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

public sealed class IrcMessageTests
{
    [Fact]
    public void Parse_TagsPrefixAndTrailing_AllRead()
    {
        var m = IrcMessage.Parse(@"@account=alice;time=2026-12-01T04:00:00.000Z;+draft/x=a\sb\:c\\d :alice!~a@host.example PRIVMSG #releng :!status  bm01 ")!;

        Assert.Equal("alice", m.Tags["account"]);
        Assert.Equal("2026-12-01T04:00:00.000Z", m.Tags["time"]);
        Assert.Equal(@"a b;c\d", m.Tags["+draft/x"]);
        Assert.Equal("alice!~a@host.example", m.Prefix);
        Assert.Equal("alice", m.Nick);
        Assert.Equal("PRIVMSG", m.Command);
        Assert.Equal(["#releng", "!status  bm01 "], m.Params);
    }

    [Theory]
    [InlineData("PING :irc.example", null, "PING", new[] { "irc.example" })]
    [InlineData("ping token", null, "PING", new[] { "token" })]
    [InlineData(":irc.example 001 chatops :Welcome to IRC", "irc.example", "001", new[] { "chatops", "Welcome to IRC" })]
    [InlineData(":irc.example CAP * LS * :multi-prefix sasl=PLAIN,EXTERNAL", "irc.example", "CAP", new[] { "*", "LS", "*", "multi-prefix sasl=PLAIN,EXTERNAL" })]
    [InlineData(":n!u@h   JOIN   #releng  ", "n!u@h", "JOIN", new[] { "#releng" })]
    [InlineData(":n!u@h PRIVMSG #releng ::-) colon first", "n!u@h", "PRIVMSG", new[] { "#releng", ":-) colon first" })]
    [InlineData(":n!u@h PRIVMSG #releng :", "n!u@h", "PRIVMSG", new[] { "#releng", "" })]
    [InlineData(":n!u@h JOIN #releng alice :Alice Real\r\n", "n!u@h", "JOIN", new[] { "#releng", "alice", "Alice Real" })]
    public void Parse_Lines_CommandAndParams(string line, string? prefix, string command, string[] parameters)
    {
        var m = IrcMessage.Parse(line)!;
        Assert.Equal(prefix, m.Prefix);
        Assert.Equal(command, m.Command);
        Assert.Equal(parameters, m.Params);
        Assert.Empty(m.Tags);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(":prefix-only")]
    [InlineData("@tags-only")]
    [InlineData("@a=b :prefix")]
    public void Parse_NoCommand_ReturnsNull(string line) => Assert.Null(IrcMessage.Parse(line));

    [Fact]
    public void Parse_TagEscapes_EdgeCases()
    {
        var m = IrcMessage.Parse(@"@a=x\;b=;c;d=trail\ :s CMD")!;
        // A raw ';' always ends a tag (values escape it as "\:"); the backslash left at the end of "x\" is dropped.
        Assert.Equal("x", m.Tags["a"]);
        Assert.Equal("", m.Tags["b"]);
        Assert.Equal("", m.Tags["c"]);
        Assert.Equal("trail", m.Tags["d"]);
    }

    [Fact]
    public void Format_TrailingWithLineBreaks_CannotEndTheLine()
    {
        var line = IrcLine.Format("PRIVMSG", ["#releng"], "a\r\nQUIT :x\0y");
        Assert.Equal("PRIVMSG #releng :a  QUIT :x y", line);
    }

    [Theory]
    [InlineData("#re leng")]
    [InlineData("")]
    [InlineData(":x")]
    [InlineData("#a\r\nQUIT")]
    public void Format_BadMiddleParameter_Throws(string middle) =>
        Assert.Throws<ArgumentException>(() => IrcLine.Format("JOIN", [middle]));
}
