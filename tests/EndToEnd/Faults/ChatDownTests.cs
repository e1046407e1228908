using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Chat.Irc;
using ChatOpsReconfig.Bot.Tests.Chat.Irc;
using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd.Faults;

/// <summary>
/// Chat down for a minute, for real: the <c>chatops</c> process on a real ngIRCd, which is killed while the bot has
/// nothing to say and started again on the same port 60 s later. Meanwhile two pushes land and the automatic rollout
/// runs to the end on the demo hosts. Its own collection (a class of its own): most of its time is the outage.
/// </summary>
public sealed partial class ChatDownTests
{
    private const string Channel = "#releng";
    private const string Bot = "chatops";
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);
    private static readonly string[] Hosts = ["bm01", "bm02", "bm03", "foopy01", "foopy02"];

    /// <summary>
    /// Afterwards: every host ran the pushes on disk before chat came back, the store holds the rollout as finished
    /// during the outage, and what the channel saw over the whole run is exactly the outbox's sent chat messages, in
    /// their order, each once; the outage's messages went out only after the server was back.
    /// </summary>
    [Fact]
    public async Task IrcServerDownForAMinute_BotKeepsDeploying_EveryMessageDeliveredAfterInOrderOnce()
    {
        await using var server = await NgircdServer.StartNewAsync();
        var port = SshdFixture.FreePort();
        var before = await RawIrcClient.ConnectAsync(server.Port, "alice");
        var dir = BotProcess.PrepareDirectory(json =>
        {
            json["chat"] = new JsonObject
            {
                ["transport"] = "irc",
                ["prefix"] = "!",
                ["irc"] = new JsonObject
                {
                    ["server"] = "127.0.0.1", ["port"] = server.Port, ["tls"] = false, ["nick"] = Bot, ["channel"] = Channel,
                    // The backlog goes out at once; pacing is covered in Bot.Tests (TokenBucketTests).
                    ["messagesPerSecond"] = 50, ["burst"] = 50,
                },
            };
            foreach (var (_, repo) in json["repos"]!.AsObject()) repo!["pollSeconds"] = 5;
            json["policy"] = new JsonObject { ["quietMinutes"] = 0, ["tickSeconds"] = 1 };
            json["web"] = new JsonObject { ["enabled"] = true, ["url"] = $"http://127.0.0.1:{port}" };
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var db = Path.Combine(dir, "data", "chatops.db");
        List<string> seen;
        DateTimeOffset down, up;
        string configs, tools;
        await using (var bot = BotProcess.Start(dir))
        {
            await using (before)
            {
                await before.JoinAsync(Channel);
                await before.WaitForMessageAsync(Bot, t => t.StartsWith("ChatOpsReconfig is here", StringComparison.Ordinal), 0, Slow);
                foreach (var repo in new[] { "buildbot-configs", "buildbotcustom", "tools" })
                    await before.WaitForMessageAsync(Bot, t => t.StartsWith($"watching {repo} ", StringComparison.Ordinal), 0, Slow);
                await bot.WaitForLogAsync("Read the revisions of 5 of 5 hosts never seen before");
                // Killed while the bot has nothing in flight: every message recorded as delivered (its PONG came back).
                // A message cut off mid-send may be repeated (the README says so); that is not this scenario.
                await HealthAsync(http, "chat: connected, 0 message(s) in the outbox");

                down = DateTimeOffset.UtcNow;
                await server.KillAsync();
                seen = [.. before.MessagesFrom(Bot)];
            }

            // Watched from the start: each retry's delay counts from when it was logged.
            var mayReturn = UntilServerMayReturnAsync(bot, Stopwatch.StartNew());
            await bot.WaitForLogAsync("Disconnected from IRC 127.0.0.1: ");

            // The bot keeps working with nobody to talk to: the pushes are seen and deployed by the automatic policy.
            configs = Commit(dir, "buildbot-configs", "Bug 1040013 - configs half");
            tools = Commit(dir, "tools", "Bug 1040013 - tools half");
            try
            {
                await SshFarm.UntilAsync(
                    () => Hosts.All(h => OnDisk(dir, h, "tools") == tools) && Hosts.Take(3).All(h => OnDisk(dir, h, "buildbot-configs") == configs),
                    "every host on the pushed revisions while chat is down", seconds: 50);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}; the bot's log:\n{bot.Stderr}", ex);
            }
            // What the rollout said is waiting in the outbox, and the bot knows delivery is failing.
            var waiting = await HealthAsync(http, "chat: delivery failing, ");
            Assert.True(int.Parse(Waiting().Match(waiting).Groups[1].Value, CultureInfo.InvariantCulture) >= 6, waiting);

            await mayReturn;
            up = DateTimeOffset.UtcNow;
            await server.StartAsync();
            await using var after = await RawIrcClient.ConnectAsync(server.Port, "alice");
            await after.JoinAsync(Channel);
            // The bot joins only after alice (see UntilServerMayReturnAsync): she sees everything it says from now on.
            await after.WaitForAsync(m => m.Command == "JOIN" && m.Nick == Bot, 0, TimeSpan.FromSeconds(90));
            await after.WaitForMessageAsync(Bot, t => t.StartsWith("OK: rollout #1 succeeded", StringComparison.Ordinal), 0, Slow);
            await HealthAsync(http, "chat: connected, 0 message(s) in the outbox");
            seen.AddRange(after.MessagesFrom(Bot));

            bot.Terminate();
            var code = await bot.WaitForExitAsync(30);
            Assert.True(code == 0, $"exit {code} after SIGTERM; stderr:\n{bot.Stderr}");
        }

        using var store = new StoreDatabase(db, readOnly: true);
        var outbox = new LiteOutboxStore(store, TimeProvider.System);
        Assert.Empty(await outbox.PendingAsync(OutboxKinds.Chat, CancellationToken.None));
        var sent = (await outbox.ListAsync(OutboxKinds.Chat, OutboxState.Sent, 1000, CancellationToken.None)).OrderBy(e => e.Id).ToList();
        // These messages are far under the IRC line limit: each line of text is one IRC line.
        var expected = sent.SelectMany(e => IrcTextSplitter.Split(ChatOutbox.Read(e).Text, 4096)).ToList();
        Assert.Equal(expected, seen);

        // The story the channel missed, queued during the outage, delivered after it, each once and in this order
        // (the two merges in the order the repos were polled, both before the rollout).
        string[] merges =
        [
            "buildbot-configs production: 1 commit by Test Releng — Bug 1040013",
            "tools production: 1 commit by Test Releng — Bug 1040013",
        ];
        string[] story =
        [
            "rollout #1 started by chatops (automatic",
            "rollout #1: 0/5 done…",
            "rollout #1: 5/5 done",
            "OK: rollout #1 succeeded",
        ];
        OutboxEntry Entry(string text) => Assert.Single(sent, e => ChatOutbox.Read(e).Text.StartsWith(text, StringComparison.Ordinal));
        var entries = story.Select(Entry).ToList();
        Assert.Equal(entries.Select(e => e.Id).Order(), entries.Select(e => e.Id));
        Assert.All(merges, m => Assert.True(Entry(m).Id < entries[0].Id, $"'{m}' after the rollout's start"));
        entries.AddRange(merges.Select(Entry));
        Assert.All(entries, e => Assert.True(e.CreatedAt > down && e.CreatedAt < up, $"entry {e.Id} queued at {e.CreatedAt:O}, outage {down:O} to {up:O}"));
        Assert.All(entries, e => Assert.True(e.DeliveredAt > up, $"entry {e.Id} delivered at {e.DeliveredAt:O}, before the server returned at {up:O}"));
        Assert.Equal(story.Length + merges.Length, entries.Distinct().Count());
        var progress = seen.Where(l => ProgressLine().IsMatch(l)).Select(l => ProgressLine().Match(l).Groups[1].Value).ToList();
        Assert.Equal(["0/5 done…", "2/5 done…", "3/5 done…", "4/5 done…", "5/5 done"], progress);

        // The store has the rollout, finished while chat was down, every host ok.
        var rollouts = new RolloutStore(store);
        var rollout = Assert.Single(await rollouts.LatestAsync(10, CancellationToken.None));
        Assert.Equal(RolloutState.Succeeded, rollout.State);
        Assert.True(rollout.FinishedAt < up, $"rollout #1 finished at {rollout.FinishedAt:O}, after chat returned at {up:O}");
        var results = await rollouts.GetHostsAsync(rollout.Id, CancellationToken.None);
        Assert.Equal(Hosts, results.Select(r => r.Host).Order(StringComparer.Ordinal));
        Assert.All(results, r => Assert.Equal(HostOutcome.Ok, r.Outcome));
        Assert.All(Hosts, h => Assert.Equal(tools, OnDisk(dir, h, "tools")));
    }

    /// <summary>
    /// Waits out the minute, then until the bot's next connect attempt is at least 2 s away, so that alice, connecting
    /// the moment the server listens, is in the channel before the bot. The bot logs each failed attempt with the
    /// delay it chose (1 s, 2 s, 4 s …, ±20%); past a minute that delay is 25 s or more, so the wait is short.
    /// </summary>
    private static async Task UntilServerMayReturnAsync(BotProcess bot, Stopwatch outage)
    {
        var seen = 0;
        var next = TimeSpan.Zero;
        while (true)
        {
            var retries = bot.Stderr.Split('\n').Select(l => Reconnecting().Match(l)).Where(m => m.Success).ToList();
            if (retries.Count > seen)
            {
                seen = retries.Count;
                next = outage.Elapsed + TimeSpan.FromSeconds(double.Parse(retries[^1].Groups[1].Value, CultureInfo.InvariantCulture));
            }

            if (outage.Elapsed >= Outage && next - outage.Elapsed > TimeSpan.FromSeconds(2)) return;
            Assert.True(outage.Elapsed < Outage + TimeSpan.FromMinutes(2), $"the bot stopped trying to reconnect:\n{bot.Stderr}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls <c>/healthz</c> until it has a line starting with <paramref name="line"/>; returns that line.</summary>
    private static async Task<string> HealthAsync(HttpClient http, string line)
    {
        var body = "";
        for (var deadline = DateTime.UtcNow + Slow; DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            // 503 too: it says why (a late poll) and still has the chat line.
            using var response = await http.GetAsync("/healthz");
            body = await response.Content.ReadAsStringAsync();
            if (body.Split('\n').FirstOrDefault(l => l.StartsWith(line, StringComparison.Ordinal)) is { } found) return found;
        }

        throw new TimeoutException($"/healthz has no line '{line}…' after {Slow.TotalSeconds:0} s:\n{body}");
    }

    private static string Commit(string dir, string repo, string message)
    {
        var path = Path.Combine(dir, "data", "demo", "upstream", repo);
        File.AppendAllText(Path.Combine(path, "README"), message + "\n");
        BotProcess.Git(path, "commit", "-q", "-am", message);
        return BotProcess.Git(path, "rev-parse", "HEAD");
    }

    private static string OnDisk(string dir, string host, string repo) =>
        BotProcess.Git(Path.Combine(dir, "data", "demo", "hosts", host, repo), "rev-parse", "HEAD");

    [GeneratedRegex(@"Disconnected from IRC .*; reconnecting in (\d+(?:\.\d+)?) s")]
    private static partial Regex Reconnecting();

    [GeneratedRegex(@"delivery failing, (\d+) message")]
    private static partial Regex Waiting();

    [GeneratedRegex(@"^rollout #\d+: (\d+/\d+ done(?:…)?)$")]
    private static partial Regex ProgressLine();
}
