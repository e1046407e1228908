using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Fleet;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

/// <summary>The whole bot (<c>BotHost.Build</c>, config file with <c>chat.transport: irc</c>) on a real ngIRCd with the demo fleet.</summary>
public sealed partial class IrcBotEndToEndTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Bot_OnIrc_AnswersStatus_AndAnnouncesARolloutWithMilestoneLines()
    {
        await using var server = await NgircdServer.StartNewAsync();
        var alice = await RawIrcClient.ConnectAsync(server.Port, "alice");
        await using var _ = alice;
        await alice.JoinAsync("#releng");
        var dir = BotHarness.NewDirectory(json =>
        {
            json["chat"] = new JsonObject
            {
                ["transport"] = "irc",
                ["prefix"] = "!",
                ["irc"] = new JsonObject
                {
                    ["server"] = "127.0.0.1", ["port"] = server.Port, ["tls"] = false, ["nick"] = "chatops", ["channel"] = "#releng",
                    ["messagesPerSecond"] = 50, ["burst"] = 50,
                },
            };
            json["web"] = new JsonObject { ["enabled"] = false };
        });
        var fleet = FleetConfigLoader.Load(Path.Combine(dir, "chatops.json"), BotOptions.SectionNames, dir);
        Assert.Empty(BotOptions.Validate(fleet));
        await using var app = BotHost.Build(fleet, BotOptions.From(fleet));
        await app.StartAsync();
        try
        {
            await alice.WaitForAsync(m => m.Command == "JOIN" && m.Nick == "chatops", 0, Slow);
            // Deploys are refused until the bot has read every production head; it says so per repo.
            foreach (var repo in new[] { "buildbot-configs", "buildbotcustom", "tools" })
                await alice.WaitForMessageAsync("chatops", t => t.StartsWith($"watching {repo} ", StringComparison.Ordinal), 0, Slow);

            // The hosts are read once, in the background, after the start: "unknown" until then.
            await app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<BotStartup>().Single().InitialProbe;
            var from = alice.Count;
            await alice.SayAsync("#releng", "!status");
            var summary = await alice.WaitForMessageAsync("chatops", t => t.StartsWith("5 hosts:", StringComparison.Ordinal), from, Slow);
            await alice.WaitForMessageAsync("chatops", t => t.StartsWith("production: ", StringComparison.Ordinal), from, Slow);
            Assert.Contains("behind", summary.Message.Param(1), StringComparison.Ordinal);

            from = alice.Count;
            await alice.SayAsync("#releng", "!deploy now");
            await alice.WaitForMessageAsync("chatops", t => t.StartsWith("OK: rollout #", StringComparison.Ordinal), from, Slow);
            await alice.WaitForMessageAsync("chatops", t => t.StartsWith("bm", StringComparison.Ordinal) || t.StartsWith("foopy", StringComparison.Ordinal), from, Slow);
            var progress = alice.MessagesFrom("chatops", from).Where(t => ProgressLine().IsMatch(t)).ToList();
            // No edits on IRC: the start line, then one line per quarter crossed (5 hosts: 2, 3, 4 and 5 done).
            Assert.Equal(["0/5 done…", "2/5 done…", "3/5 done…", "4/5 done…", "5/5 done"], progress.Select(p => ProgressLine().Match(p).Groups[1].Value));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [GeneratedRegex(@"^rollout #\d+: (\d+/\d+ done(?:…)?)$")]
    private static partial Regex ProgressLine();
}
