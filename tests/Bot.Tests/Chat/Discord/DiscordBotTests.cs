using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Chat.Discord;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ChatOpsReconfig.Bot.Tests.Web;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Tests.Chat.Discord;

/// <summary>The whole bot (BotHost.Build, the demo fleet) with <c>chat.transport: discord</c> pointed at the fake.</summary>
public sealed class DiscordBotTests : IAsyncLifetime
{
    private const string DeployerRole = "613425648685547700";

    private FakeDiscord _fake = null!;
    private WebApplication? _app;
    private readonly CapturedLogs _logs = new();

    public async Task InitializeAsync() => _fake = await FakeDiscord.StartAsync(DiscordClient.Token);

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await _fake.DisposeAsync();
    }

    private async Task<FakeGatewayConnection> StartBotAsync()
    {
        var tokenFile = Path.Combine(Directory.CreateTempSubdirectory("chatops-discord-token-").FullName, "token");
        await File.WriteAllTextAsync(tokenFile, DiscordClient.Token + "\n");
        var dir = BotHarness.NewDirectory(json =>
        {
            json["chat"] = new JsonObject
            {
                ["transport"] = "discord",
                ["discord"] = new JsonObject
                {
                    ["tokenEnv"] = "CHATOPS_TEST_UNSET_DISCORD_TOKEN",
                    ["tokenFile"] = tokenFile,
                    ["apiBase"] = _fake.ApiBase,
                    ["guildId"] = FakeDiscord.GuildId,
                    ["channelId"] = FakeDiscord.ChannelId,
                },
            };
            json["permissions"] = new JsonObject { ["deployerRoles"] = new JsonArray(DeployerRole) };
            json["web"] = new JsonObject { ["enabled"] = false };
        });
        var fleet = FleetConfigLoader.Load(Path.Combine(dir, "chatops.json"), BotOptions.SectionNames, dir);
        Assert.Empty(BotOptions.Validate(fleet));
        var options = BotOptions.From(fleet);

        _app = BotHost.Build(fleet, options, services =>
        {
            services.AddSingleton(DiscordClient.FastTiming());
            services.AddSingleton<ILoggerProvider>(_logs);
        });
        await _app.StartAsync();
        // The first probe of the demo hosts changes the !status counts; answers compared below must not straddle it.
        await _app.Services.GetServices<IHostedService>().OfType<BotStartup>().Single().InitialProbe.WaitAsync(TimeSpan.FromSeconds(60));
        var connection = await _fake.NextConnectionAsync();
        await connection.HandshakeAsync();
        return connection;
    }

    [Fact]
    public async Task Status_AsMessageAndAsSlashCommand_AnsweredThroughTheRouter()
    {
        var connection = await StartBotAsync();

        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!status"));
        var posted = await WaitForPostAsync(p => System.Text.RegularExpressions.Regex.IsMatch(p, @"^\d+ hosts: "));

        var interaction = _fake.NewInteraction("status", null);
        await connection.DispatchAsync("INTERACTION_CREATE", interaction);
        var answer = _fake.Interaction(interaction["id"]!.GetValue<string>());
        await FakeDiscord.Until(() => answer.Original is not null, "the slash command's answer");

        Assert.Equal(5, answer.CallbackType);
        Assert.Equal(FirstLine(posted), FirstLine(answer.Original!));
        Assert.All(_fake.Calls.Where(c => c.Body is JsonObject o && o["content"] is not null), c => DiscordGatewayTests.AssertNoMentions(c.Body));
        Assert.All(_fake.Calls.Where(c => c.Body is JsonObject o && o["content"] is not null), c => Assert.InRange(c.Body!["content"]!.GetValue<string>().Length, 1, 2000));
    }

    [Fact]
    public async Task Permissions_FromRoleIds_NotFromNames()
    {
        var connection = await StartBotAsync();

        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!lock 30m testing", userId: "613425648685547601", username: "mallory"));
        var refusal = await WaitForPostAsync(p => p.Contains("deployers", StringComparison.Ordinal));
        await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage("!lock 30m testing", userId: "613425648685547602", username: "carol", roles: DeployerRole));
        var locked = await WaitForPostAsync(p => p.Contains("carol", StringComparison.Ordinal) && p != refusal);

        Assert.DoesNotContain("mallory", locked);
    }

    [Fact]
    public async Task Replies_AcrossRateLimitsErrorsAndAReconnect_DeliveredInOrderOnce()
    {
        var connection = await StartBotAsync();
        var before = _fake.Posted.Count;

        for (var i = 1; i <= 4; i++) await connection.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage($"!zq{i}"));
        _fake.Next429("POST /channels", retryAfter: 0.3, global: false);
        _fake.NextError("POST /channels", 502, 0, "Bad Gateway");
        await WaitForPostAsync(p => p.Contains("zq2", StringComparison.Ordinal));

        // The connection drops; two commands arrive while the bot is away and are replayed on Resume.
        connection.Drop();
        FakeGatewayConnection.Missed(connection.Session!, "MESSAGE_CREATE", _fake.NewMessage("!zq5"));
        FakeGatewayConnection.Missed(connection.Session!, "MESSAGE_CREATE", _fake.NewMessage("!zq6"));
        var second = await _fake.NextConnectionAsync();
        await second.SendHelloAsync();
        await second.AnswerResumeAsync(await second.ExpectAsync(6));
        for (var i = 7; i <= 8; i++) await second.DispatchAsync("MESSAGE_CREATE", _fake.NewMessage($"!zq{i}"));

        await WaitForPostAsync(p => p.Contains("zq8", StringComparison.Ordinal));
        var replies = _fake.Posted.Skip(before).Where(p => p.Contains("!zq", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"!zq{i}"), replies.Select(r => r.Split(' ', ':', ';').First(w => w.StartsWith("!zq", StringComparison.Ordinal))));
        Assert.Equal(0, _fake.EarlyRequests);
        Assert.Equal(1, _fake.Identifies);
    }

    private async Task<string> WaitForPostAsync(Func<string, bool> match)
    {
        await FakeDiscord.Until(() => _fake.Posted.Any(match), $"a matching post; have:\n{string.Join("\n---\n", _fake.Posted)}\nlog:\n{string.Join('\n', _logs.Entries.Select(l => l.Message))}");
        return _fake.Posted.Last(match);
    }

    private static string FirstLine(string text) => text.Split('\n')[0];
}
