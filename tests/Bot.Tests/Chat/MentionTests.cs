using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Discord;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Tests.Chat;

/// <summary>
/// Each transport declares how it mentions a person; the bot addresses a hold's owner that way (the expiry warning),
/// and on Discord pings exactly the users it addressed itself, never one named in people's or hosts' text.
/// </summary>
public sealed class MentionTests
{
    [Theory]
    [InlineData("Name", "alice", "alice", "alice")]
    [InlineData("Nick", "alice-acct", "alice", "alice")]
    [InlineData("DiscordUserId", "613425648685547601", "alice", "<@613425648685547601>")]
    [InlineData("DiscordUserId", "alice", "alice", "alice")] // not a user id: by name
    public void Address_FollowsTheMedium(string syntax, string id, string name, string expected) =>
        Assert.Equal(expected, new ChatCapabilities(2000, ChatMarkup.Plain, CanEdit: true, Enum.Parse<MentionSyntax>(syntax)).Address(id, name));

    [Fact]
    public void DiscordMessage_PingsOnlyTheUsersTheBotAddressed()
    {
        var fromPeople = SafeText.Clean("<@99> @everyone please look", 200); // a reason someone typed, as the bot echoes it
        var body = DiscordRest.Message($"<@613425648685547601>: your deploy lock expires in 10 min — {fromPeople}");

        Assert.Empty(body["allowed_mentions"]!["parse"]!.AsArray());
        Assert.Equal(["613425648685547601"], body["allowed_mentions"]!["users"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public void DiscordMessage_WithoutTheBotsOwnMention_PingsNobody()
    {
        var body = DiscordRest.Message(SafeText.Clean("ping <@12345> and <@&777> and @here", 200));
        Assert.Empty(body["allowed_mentions"]!["users"]!.AsArray());
        Assert.Empty(body["allowed_mentions"]!["parse"]!.AsArray());
    }
}
