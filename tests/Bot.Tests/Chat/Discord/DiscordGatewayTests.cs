using System.Text.Json;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Chat.Discord;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Bot.Tests.Chat.Discord;

public sealed class DiscordGatewayTests : IAsyncLifetime
{
    private FakeDiscord _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeDiscord.StartAsync(DiscordClient.Token);

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    [Fact]
    public async Task Connect_HelloIdentifyReady_IdentifiesWithTokenIntentsAndPropertiesThenReadsCommands()
    {
        await using var client = DiscordClient.Start(_fake);

        var connection = await _fake.NextConnectionAsync();
        Assert.Equal("/gateway", connection.Path);
        Assert.Contains("v=10", connection.Query);
        Assert.Contains("encoding=json", connection.Query);
        var identify = await connection.HandshakeAsync();

        Assert.Equal(DiscordClient.Token, identify.GetProperty("token").GetString());
        Assert.Equal(33281, identify.GetProperty("intents").GetInt32());
        var properties = identify.GetProperty("properties");
        Assert.Equal("linux", properties.GetProperty("os").GetString());
        Assert.False(string.IsNullOrEmpty(properties.GetProperty("browser").GetString()));
        Assert.False(string.IsNullOrEmpty(properties.GetProperty("device").GetString()));
        Assert.False(properties.TryGetProperty("$os", out _));
        Assert.Equal(1, _fake.Identifies);

        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!status  bm01", userId: "613425648685547601", username: "bob", roles: ["613425648685547700"]));
        var message = await client.NextMessageAsync();
        Assert.Equal(FakeDiscord.ChannelId, message.Channel);
        Assert.Equal("613425648685547601", message.AuthorId);
        Assert.Equal("bob", message.AuthorName);
        Assert.Equal(["613425648685547700"], message.AuthorRoles);
        Assert.Equal("!status  bm01", message.Text);
        Assert.Null(message.ReplyTo);
    }

    [Fact]
    public async Task Heartbeat_FirstAfterJitterThenEveryInterval_CarriesLastSequence()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        _fake.HeartbeatIntervalMs = 40_000;
        await using var client = DiscordClient.Start(_fake, time, DiscordClient.FastTiming(random: () => 0.25));
        var connection = await _fake.NextConnectionAsync();
        connection.Time = time;
        var start = time.GetUtcNow();
        await connection.HandshakeAsync();
        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!help"));
        await client.NextMessageAsync();

        // Jitter 0.25 of 40 s: the first beat is due at 10 s, and it carries the last sequence number (3).
        time.Advance(TimeSpan.FromSeconds(10));
        await connection.WaitForHeartbeatsAsync(1);
        var first = connection.Heartbeats[0];
        Assert.Equal(TimeSpan.FromSeconds(10), first.At - start);
        Assert.Equal(3, first.D.GetInt64());
        await SyncAsync(client, connection); // the client has read the ACK that followed the beat

        time.Advance(TimeSpan.FromSeconds(39.9));
        time.Advance(TimeSpan.FromSeconds(0.1));
        await connection.WaitForHeartbeatsAsync(2);
        Assert.True(connection.Heartbeats[1].At - first.At >= TimeSpan.FromSeconds(40), $"second beat {connection.Heartbeats[1].At - first.At} after the first");

        // The server asks for a beat (op 1): the client beats at once, without the clock moving.
        await connection.SendAsync(1, null);
        await connection.WaitForHeartbeatsAsync(3);
        Assert.Equal(connection.Heartbeats[1].At, connection.Heartbeats[2].At);
    }

    [Fact]
    public async Task Heartbeat_NoAckBetweenTwoBeats_DropsZombieAndResumesAtResumeUrl()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        _fake.HeartbeatIntervalMs = 40_000;
        await using var client = DiscordClient.Start(_fake, time, DiscordClient.FastTiming(random: () => 0.5));
        var connection = await _fake.NextConnectionAsync();
        connection.Time = time;
        await connection.HandshakeAsync();
        connection.AckHeartbeats = false;

        time.Advance(TimeSpan.FromSeconds(20));
        await connection.WaitForHeartbeatsAsync(1);
        time.Advance(TimeSpan.FromSeconds(40));

        Assert.NotEqual(1000, await connection.Ended);
        var second = await _fake.NextConnectionAsync();
        Assert.Equal("/resume-gateway", second.Path);
        await second.SendHelloAsync();
        var resume = await second.ExpectAsync(6);
        Assert.Equal(connection.Session!.Id, resume.GetProperty("session_id").GetString());
        Assert.Equal(2, resume.GetProperty("seq").GetInt64());
        await client.Logs.WaitForAsync("no heartbeat ACK");
        Assert.Equal(1, _fake.Identifies);
    }

    [Fact]
    public async Task DroppedConnection_ResumesWithLastSeqAtResumeUrl_MissedEventsOnceAndNothingTwice()
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();
        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!one"));
        Assert.Equal("!one", (await client.NextMessageAsync()).Text);

        connection.Drop();
        FakeGatewayConnection.Missed(connection.Session!, "MESSAGE_CREATE", _fake.NewMessage("!two"));
        var second = await _fake.NextConnectionAsync();
        Assert.Equal("/resume-gateway", second.Path);
        await second.SendHelloAsync();
        var resume = await second.ExpectAsync(6);
        Assert.Equal(DiscordClient.Token, resume.GetProperty("token").GetString());
        Assert.Equal(connection.Session!.Id, resume.GetProperty("session_id").GetString());
        Assert.Equal(3, resume.GetProperty("seq").GetInt64());
        await second.AnswerResumeAsync(resume);
        await second.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!three"));

        Assert.Equal("!two", (await client.NextMessageAsync()).Text);
        Assert.Equal("!three", (await client.NextMessageAsync()).Text);
        await client.Logs.WaitForAsync("resumed at sequence");
        Assert.Equal(1, _fake.Identifies);
    }

    [Fact]
    public async Task Reconnect_Op7_ClosesResumablyAndResumes()
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();

        await connection.SendAsync(7, null);

        var code = await connection.Ended;
        Assert.True(code is not (1000 or 1001), $"closed with {code}: 1000/1001 would end the session");
        var second = await _fake.NextConnectionAsync();
        Assert.Equal("/resume-gateway", second.Path);
        await second.SendHelloAsync();
        var resume = await second.ExpectAsync(6);
        Assert.Equal(2, resume.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task InvalidSession_True_Resumes()
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();

        await connection.SendAsync(9, true);

        var second = await _fake.NextConnectionAsync();
        Assert.Equal("/resume-gateway", second.Path);
        await second.SendHelloAsync();
        await second.ExpectAsync(6);
        Assert.Equal(1, _fake.Identifies);
    }

    [Fact]
    public async Task InvalidSession_False_IdentifiesAnewAtCachedGatewayUrl_WithNewSequence()
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();

        await connection.SendAsync(9, false);

        var second = await _fake.NextConnectionAsync();
        Assert.Equal("/gateway", second.Path);
        await second.SendHelloAsync();
        await second.ExpectAsync(2);
        await second.SendReadyAsync();
        await SyncAsync(client, second);
        Assert.Equal(2, _fake.Identifies);
        Assert.Single(_fake.Calls, c => c.Route == "GET /gateway/bot");

        // The new session numbers from 1 again; a later Resume must carry the new session's seq.
        second.Drop();
        var third = await _fake.NextConnectionAsync();
        await third.SendHelloAsync();
        var resume = await third.ExpectAsync(6);
        Assert.Equal(second.Session!.Id, resume.GetProperty("session_id").GetString());
        Assert.Equal(3, resume.GetProperty("seq").GetInt64());
    }

    /// <summary>A message through the connection and out of the transport: everything sent before it was read.</summary>
    private async Task SyncAsync(DiscordClient client, FakeGatewayConnection connection)
    {
        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!sync"));
        Assert.Equal("!sync", (await client.NextMessageAsync()).Text);
    }

    [Fact]
    public async Task Resume_RefusedWithInvalidSession_IdentifiesOnceNotInALoop()
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();
        await SyncAsync(client, connection);
        // The client closes its session for good (as after 1000): Resume is refused with op 9 false.
        connection.Session!.Ended = true;
        connection.Drop();

        var second = await _fake.NextConnectionAsync();
        await second.SendHelloAsync();
        await second.AnswerResumeAsync(await second.ExpectAsync(6));
        var third = await _fake.NextConnectionAsync();
        Assert.Equal("/gateway", third.Path);
        await third.SendHelloAsync();
        await third.ExpectAsync(2);
        await third.SendReadyAsync();
        Assert.Equal(2, _fake.Identifies);
    }

    [Theory]
    [InlineData(4000, true)]
    [InlineData(4001, true)]
    [InlineData(4008, true)]
    [InlineData(4007, false)]
    [InlineData(4009, false)]
    public async Task ResumableCloseCode_ReconnectsWithResumeOrNewSession(int code, bool resumes)
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();

        await connection.CloseAsync(code);

        var second = await _fake.NextConnectionAsync();
        Assert.Equal(resumes ? "/resume-gateway" : "/gateway", second.Path);
        await second.SendHelloAsync();
        await second.ExpectAsync(resumes ? 6 : 2);
    }

    public static TheoryData<int, string> FatalCodes => new()
    {
        { 4004, "token" },
        { 4010, "shard" },
        { 4011, "sharding required" },
        { 4012, "API version" },
        { 4013, "undefined bit" },
        { 4014, "enable MESSAGE CONTENT INTENT" },
    };

    [Theory]
    [MemberData(nameof(FatalCodes))]
    public async Task FatalCloseCode_StopsReconnectingWithOneLineNamingTheFix_RestStillWorks(int code, string fix)
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();

        await connection.CloseAsync(code);

        var line = await client.Logs.WaitForAsync($"closed with {code}");
        Assert.Contains(fix, line);
        Assert.Single(client.Logs.Entries, l => l.Level == LogLevel.Critical);
        Assert.NotNull(client.Transport.GatewayFailure);
        Assert.Equal(1, _fake.Identifies);
        Assert.False(client.ReadingEnded);
        // The bot's other duties go on: announcements still reach the channel over REST.
        await client.Transport.PostAsync(FakeDiscord.ChannelId, "rollout 7 done", CancellationToken.None);
        Assert.Equal(["rollout 7 done"], _fake.Posted);
    }

    [Fact]
    public async Task FatalCloseCode_FromTheServersOwnChecks_BadTokenAndIntentNotEnabled()
    {
        _fake.MessageContentEnabled = false;
        await using (var client = DiscordClient.Start(_fake))
        {
            var connection = await _fake.NextConnectionAsync();
            await connection.SendHelloAsync();
            Assert.Equal(4014, await connection.Ended);
            Assert.Contains("Privileged Gateway Intents", await client.Logs.WaitForAsync("closed with 4014"));
        }

        _fake.MessageContentEnabled = true;
        _fake.ResetToken();
        await using (var client = DiscordClient.Start(_fake))
        {
            // GET /gateway/bot already answers 401: the gateway cannot even be found; REST stops, the bot says why.
            await client.Logs.WaitForAsync("refused the bot token");
        }
    }

    [Fact]
    public async Task SelfAndOtherBotsAndOtherChannels_AreNotCommands()
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();

        // The fake echoes the bot's own post as MESSAGE_CREATE, as Discord does.
        await client.Transport.PostAsync(FakeDiscord.ChannelId, "!status", CancellationToken.None);
        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!deploy now", userId: "613425648685547650", username: "otherbot", bot: true));
        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!deploy now", channelId: FakeDiscord.OtherChannelId));
        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!help"));

        Assert.Equal("!help", (await client.NextMessageAsync()).Text);
        Assert.Equal(4, connection.Session!.Events.Count(e => (string?)e["t"] == "MESSAGE_CREATE"));
    }

    [Fact]
    public async Task MalformedEventsAndHello_SkippedOrReconnected_ReadingGoesOn()
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();

        var interaction = _fake.NewInteraction("status", null);
        interaction["type"] = "two";
        await connection.DispatchAsync("INTERACTION_CREATE", interaction);
        await client.Logs.WaitForAsync("INTERACTION_CREATE event skipped");
        connection.Drop();
        var second = await _fake.NextConnectionAsync();
        await second.SendAsync(10, null); // a Hello without its interval
        var third = await _fake.NextConnectionAsync();
        await third.SendHelloAsync();
        await third.AnswerResumeAsync(await third.ExpectAsync(6));
        await third.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!help"));

        Assert.Equal("!help", (await client.NextMessageAsync()).Text);
        Assert.False(client.ReadingEnded);
    }

    [Fact]
    public async Task SlashCommands_RegisteredOnceForTheGuild_NotOverwrittenWhenUnchanged()
    {
        await using (var client = DiscordClient.Start(_fake))
        {
            var connection = await _fake.NextConnectionAsync();
            await connection.HandshakeAsync();
            await client.Logs.WaitForAsync("slash commands registered");
        }

        Assert.Equal(1, _fake.CommandPuts);
        Assert.Equal(
            ["lock", "unlock", "extend", "freeze", "unfreeze", "deploy", "rollback", "status", "history", "help"],
            _fake.RegisteredCommands.Select(c => c!["name"]!.GetValue<string>()));
        var put = _fake.Calls.Single(c => c.Method == "PUT");
        Assert.Contains($"applications/{FakeDiscord.ApplicationId}/guilds/{FakeDiscord.GuildId}/commands", put.Path);

        await using (var client = DiscordClient.Start(_fake))
        {
            var connection = await _fake.NextConnectionAsync();
            await connection.HandshakeAsync();
            await client.Logs.WaitForAsync("already registered");
        }

        Assert.Equal(1, _fake.CommandPuts);
    }

    [Fact]
    public async Task SlashCommand_DeferredAtOnce_ReplyEditsOriginalThenFollowsUp()
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();
        var interaction = _fake.NewInteraction("status", "bm01", userId: "613425648685547601", username: "bob", roles: "613425648685547700");

        await connection.DispatchAsync("INTERACTION_CREATE", interaction);

        var message = await client.NextMessageAsync();
        Assert.Equal("!status bm01", message.Text);
        Assert.Equal("613425648685547601", message.AuthorId);
        Assert.Equal("bob", message.AuthorName);
        Assert.Equal(["613425648685547700"], message.AuthorRoles);
        Assert.Equal("interaction:" + interaction["id"], message.ReplyTo);
        var answer = _fake.Interaction(interaction["id"]!.GetValue<string>());
        await FakeDiscord.Until(() => answer.CallbackType is not null, "the interaction callback");
        Assert.Equal(5, answer.CallbackType);
        Assert.True(answer.CallbackAt - answer.CreatedAt < TimeSpan.FromSeconds(3));

        await client.Transport.PostAsync(message.ReplyTo!, "bm01: in sync", CancellationToken.None);
        await client.Transport.PostAsync(message.ReplyTo!, "(part 2)", CancellationToken.None);

        Assert.Equal("bm01: in sync", answer.Original);
        Assert.Equal(["(part 2)"], answer.FollowUps);
        Assert.Empty(_fake.Posted);
        Assert.All(_fake.Calls.Where(c => c.Route.Contains("webhooks", StringComparison.Ordinal)), c => AssertNoMentions(c.Body));
    }

    internal static void AssertNoMentions(JsonNode? body)
    {
        Assert.NotNull(body);
        var parse = body!["allowed_mentions"]?["parse"] as JsonArray;
        Assert.NotNull(parse);
        Assert.Empty(parse!);
    }

    [Fact]
    public async Task ClientFrames_AreValidJsonUnder4096Bytes_AndNeverTooMany()
    {
        await using var client = DiscordClient.Start(_fake);
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();
        for (var i = 0; i < 5; i++) await connection.SendAsync(1, null);
        await connection.WaitForHeartbeatsAsync(5);
        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!help"));
        await client.NextMessageAsync();
        Assert.False(connection.Ended.IsCompleted, "the fake closed the connection over a client frame");
    }
}
