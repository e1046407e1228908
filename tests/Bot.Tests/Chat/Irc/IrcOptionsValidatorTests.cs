using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Chat.Irc;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

public sealed class IrcOptionsValidatorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-irc-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Validate_GoodSettings_NoProblems()
    {
        var password = Path.Combine(_dir, "irc-password");
        File.WriteAllText(password, "hunter2\n");
        var irc = new IrcOptions { Server = "irc.libera.chat", Nick = "chatops", Channel = "#releng", SaslPasswordFile = password, SaslPasswordEnv = "CHATOPS_IRC_PASSWORD" };
        Assert.Empty(IrcOptionsValidator.Validate(irc));
        Assert.Equal("hunter2", IrcSecrets.ReadPassword(irc with { SaslPasswordEnv = "CHATOPS_TEST_UNSET_VARIABLE" }));
    }

    [Theory]
    [InlineData("server", "", "chat.irc.server: required")]
    [InlineData("server", "irc example", "chat.irc.server: 'irc example' is not a host name")]
    [InlineData("port", "0", "chat.irc.port: must be between 1 and 65535")]
    [InlineData("port", "70000", "chat.irc.port: must be between 1 and 65535")]
    [InlineData("nick", "9lives", "chat.irc.nick:")]
    [InlineData("nick", "two words", "chat.irc.nick:")]
    [InlineData("channel", "releng", "chat.irc.channel:")]
    [InlineData("channel", "#rel eng", "chat.irc.channel:")]
    [InlineData("channel", "#a,#b", "chat.irc.channel:")]
    [InlineData("saslPasswordEnv", "NOT-A-NAME", "chat.irc.saslPasswordEnv:")]
    [InlineData("saslPasswordFile", "/nonexistent/irc-password", "chat.irc.saslPasswordFile: /nonexistent/irc-password does not exist")]
    [InlineData("messagesPerSecond", "0", "chat.irc.messagesPerSecond:")]
    [InlineData("burst", "0", "chat.irc.burst:")]
    public void Validate_BadSetting_NamesTheKey(string key, string value, string expected)
    {
        var irc = new JsonObject { ["server"] = "irc.libera.chat" };
        irc[key] = int.TryParse(value, out var n) ? n : value;
        var problems = Problems(new JsonObject { ["transport"] = "irc", ["irc"] = irc });
        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_IrcWithoutServer_Refused_ConsoleIgnoresTheSection()
    {
        Assert.Contains("chat.irc.server: required for chat.transport irc (e.g. irc.libera.chat)", Problems(new JsonObject { ["transport"] = "irc" }));
        Assert.Empty(Problems(new JsonObject { ["transport"] = "console" }));
        Assert.Contains("chat.transport: unknown transport 'irq' (known: console, discord, irc)", Problems(new JsonObject { ["transport"] = "irq" }));
    }

    [Fact]
    public void Validate_PasswordInTheConfig_IsAnUnknownKey()
    {
        var problems = Problems(new JsonObject { ["transport"] = "irc", ["irc"] = new JsonObject { ["server"] = "irc.libera.chat", ["saslPassword"] = "hunter2" } });
        var problem = Assert.Single(problems);
        Assert.StartsWith("chat.irc.saslPassword", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", problem, StringComparison.Ordinal);
    }

    private List<string> Problems(JsonObject chat)
    {
        var config = new JsonObject
        {
            ["dataDir"] = "data",
            ["chat"] = chat,
            ["repos"] = new JsonObject { ["app"] = new JsonObject { ["kind"] = "git", ["url"] = Path.Combine(_dir, "app"), ["branch"] = "production" } },
            ["roles"] = new JsonObject
            {
                ["r"] = new JsonObject
                {
                    ["repos"] = new JsonObject { ["app"] = new JsonObject { ["path"] = "app" } },
                    ["steps"] = new JsonArray(new JsonObject { ["name"] = "update", ["command"] = "true" }),
                },
            },
            ["hosts"] = new JsonArray(new JsonObject { ["name"] = "h1", ["role"] = "r", ["transport"] = "local", ["basedir"] = "h1" }),
        };
        var path = Path.Combine(_dir, "chatops.json");
        File.WriteAllText(path, config.ToJsonString());
        var (fleet, problems) = FleetConfigLoader.TryLoad(path, BotOptions.SectionNames, _dir);
        Assert.Empty(problems);
        return BotOptions.Validate(fleet!).ToList();
    }
}
