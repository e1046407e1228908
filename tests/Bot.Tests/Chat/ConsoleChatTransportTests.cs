using System.Text;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Console;
using ChatOpsReconfig.Bot.Hosting;

namespace ChatOpsReconfig.Bot.Tests.Chat;

public sealed class ConsoleChatTransportTests
{
    private static readonly ChatOptions Options = new() { Channel = "releng", ConsoleUser = "you", Prefix = "!" };

    [Theory]
    [InlineData("!status", "you", "!status")]
    [InlineData("alice: !lock 30m landing", "alice", "!lock 30m landing")]
    [InlineData("  bob:   !deploy now  ", "bob", "!deploy now")]
    [InlineData("!lock 30m note: colon in reason", "you", "!lock 30m note: colon in reason")]
    [InlineData("not a name: hello", "you", "not a name: hello")]
    [InlineData("alice : !lock 5m", "alice", "!lock 5m")]
    [InlineData("alice\t:\t!lock 5m", "alice", "!lock 5m")]
    [InlineData("!lock 5m 🚀 rocket reason 👩‍👩‍👧", "you", "!lock 5m 🚀 rocket reason 👩‍👩‍👧")]
    [InlineData("!lock 5m lone \ud83d surrogate", "you", "!lock 5m lone  surrogate")]
    public void Parse_Line_SpeaksAsTheRightUser(string line, string author, string text)
    {
        var m = ConsoleChatTransport.Parse(line, Options)!;
        Assert.Equal(author, m.AuthorName);
        Assert.Equal(text, m.Text);
        Assert.Equal("releng", m.Channel);
    }

    [Theory]
    [InlineData("")]
    [InlineData("    ")]
    [InlineData("\u0001\u0002\u0007")]
    [InlineData("alice:   ")]
    public void Parse_NothingToSay_ReturnsNull(string line) => Assert.Null(ConsoleChatTransport.Parse(line, Options));

    [Fact]
    public void Parse_TenKilobyteLine_IsCutToTheInputLimit()
    {
        var m = ConsoleChatTransport.Parse("!" + new string('a', 10_000), Options)!;
        Assert.Equal(ConsoleChatTransport.MaxInputLength, m.Text.Length);
    }

    [Fact]
    public async Task ReadAsync_InvalidUtf8AndControlCharacters_AreDropped()
    {
        var bytes = new List<byte>();
        bytes.AddRange("!sta"u8.ToArray());
        bytes.AddRange([0xff, 0xc3, 0x01, 0x1b]);
        bytes.AddRange("tus\n\n!help\n"u8.ToArray());
        var input = new StreamReader(new MemoryStream(bytes.ToArray()), new UTF8Encoding(false, false));
        var transport = new ConsoleChatTransport(Options, input, new StringWriter());

        var messages = new List<ChatMessage>();
        await foreach (var m in transport.ReadAsync(CancellationToken.None)) messages.Add(m);

        Assert.Equal(["!status", "!help"], messages.Select(m => m.Text));
        Assert.True(transport.InputEnded);
    }

    [Fact]
    public async Task PostAsync_MultiLineText_EveryLineCarriesTheChannel()
    {
        var output = new StringWriter();
        var transport = new ConsoleChatTransport(Options, new StringReader(""), output);
        await transport.PostAsync("releng", "one\ntwo", CancellationToken.None);
        Assert.Equal("[#releng] one\n[#releng] two\n", output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }
}
