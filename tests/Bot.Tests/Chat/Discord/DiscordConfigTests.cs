using System.Text.Json;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Bot.Tests.Chat.Discord;

/// <summary><c>validate-config</c>'s checks of <c>chat.discord</c>, through <see cref="BotOptions.Validate"/> on a config file.</summary>
public sealed class DiscordConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-discord-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private IReadOnlyList<string> Validate(JsonObject discord, JsonObject? permissions = null)
    {
        var root = JsonNode.Parse(File.ReadAllText(SourceTree.Combine("config", "chatops.json")), null, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        root["chat"] = new JsonObject { ["transport"] = "discord", ["discord"] = discord };
        if (permissions is not null) root["permissions"] = permissions;
        var path = Path.Combine(_dir, "chatops.json");
        File.WriteAllText(path, root.ToJsonString());
        return BotOptions.Validate(FleetConfigLoader.Load(path, BotOptions.SectionNames, _dir)).Where(p => p.StartsWith("chat", StringComparison.Ordinal) || p.StartsWith("permissions", StringComparison.Ordinal)).ToList();
    }

    private string TokenFile(string text)
    {
        var path = Path.Combine(_dir, "token");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Valid_TokenFileIdsAndApiBase_NoProblems()
    {
        var problems = Validate(new JsonObject
        {
            ["tokenEnv"] = "CHATOPS_TEST_UNSET_DISCORD_TOKEN",
            ["tokenFile"] = TokenFile("abc.def.ghi\n"),
            ["guildId"] = "613425648685547541",
            ["channelId"] = "613425648685547542",
        }, new JsonObject { ["deployerRoles"] = new JsonArray("613425648685547700") });

        Assert.Empty(problems);
    }

    [Fact]
    public void Invalid_EachSettingNamedWithItsFix()
    {
        var problems = Validate(new JsonObject
        {
            ["tokenEnv"] = "CHATOPS_TEST_UNSET_DISCORD_TOKEN",
            ["apiBase"] = "discord.com/api",
            ["guildId"] = "releng",
            ["channelId"] = "#releng",
            ["token"] = "pasted-into-the-config",
        }, new JsonObject { ["adminRoles"] = new JsonArray("Release Engineers") });

        Assert.Collection(
            problems.Order(StringComparer.Ordinal),
            p => Assert.StartsWith("chat.discord.apiBase: an absolute http(s) URL", p),
            p => Assert.StartsWith("chat.discord.channelId: the channel's id", p),
            p => Assert.StartsWith("chat.discord.guildId: the server's id", p),
            p => Assert.Equal("chat.discord.token: secrets do not go in the config; set chat.discord.tokenEnv or chat.discord.tokenFile", p),
            p => Assert.Equal("chat.discord.tokenEnv: environment variable CHATOPS_TEST_UNSET_DISCORD_TOKEN is not set, and no tokenFile is configured; the bot token comes from one of them", p),
            p => Assert.StartsWith("permissions.adminRoles: 'Release Engineers' is not a Discord role id", p));
        Assert.DoesNotContain(problems, p => p.Contains("pasted-into-the-config", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("two words\n", "holds more than one word")]
    public void TokenFile_EmptyOrNotAToken_Refused(string content, string expected)
    {
        var problems = Validate(new JsonObject
        {
            ["tokenEnv"] = "CHATOPS_TEST_UNSET_DISCORD_TOKEN",
            ["tokenFile"] = TokenFile(content),
            ["guildId"] = "613425648685547541",
            ["channelId"] = "613425648685547542",
        });

        var problem = Assert.Single(problems);
        Assert.StartsWith("chat.discord.tokenFile: ", problem);
        Assert.Contains(expected, problem);
        Assert.DoesNotContain("two words", problem);
    }

    [Fact]
    public void TokenFile_Missing_NamesThePath()
    {
        var problems = Validate(new JsonObject
        {
            ["tokenEnv"] = "CHATOPS_TEST_UNSET_DISCORD_TOKEN",
            ["tokenFile"] = Path.Combine(_dir, "nope"),
            ["guildId"] = "613425648685547541",
            ["channelId"] = "613425648685547542",
        });

        Assert.StartsWith("chat.discord.tokenFile: ", Assert.Single(problems));
    }
}
