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
    // Generous: the machine running the suite may be busy with the other collections (and other builds).
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(120);
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
        await before.JoinAsync(Channel);
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
                await before.WaitForMessageAsync(Bot, t => t.StartsWith("ChatOpsReconfig is here", StringComparison.Ordinal), 0, Slow);
                foreach (var repo in new[] { "buildbot-configs", "buildbotcustom", "tools" })
                    await before.WaitForMessageAsync(Bot, t => t.StartsWith($"watching {repo} ", StringComparison.Ordinal), 0, Slow);
                await bot.WaitForLogAsync("Read the revisions of 5 of 5 hosts never seen before");
                // Killed while the bot has nothing in flight: every message recorded as delivered (its PONG came back).
                // A message cut off mid-send may be repeated (the README says so); that is not this scenario.
                await HealthAsync(bot, http, "chat: connected, 0 message(s) in the outbox");

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
                    "every host on the pushed revisions while chat is down", seconds: 240);
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}; the bot's log:\n{bot.Stderr}", ex);
            }
            // A host is on its revision a moment before its rollout is recorded finished: chat returns only after that.
            await SshFarm.UntilAsync(() => EveryRolloutFinished(bot.Stderr), "every rollout recorded finished while chat is down", seconds: 120);

            // What the rollout said is waiting in the outbox, and the bot knows delivery is failing.
            var waiting = await HealthAsync(bot, http, "chat: delivery failing, ");
            Assert.True(int.Parse(Waiting().Match(waiting).Groups[1].Value, CultureInfo.InvariantCulture) >= 6, waiting);

            await mayReturn;
            up = DateTimeOffset.UtcNow;
            await server.StartAsync();
            await using var after = await RawIrcClient.ConnectAsync(server.Port, "alice");
            await after.JoinAsync(Channel);
            // The bot joins only after alice (see UntilServerMayReturnAsync): she sees everything it says from now on.
            await after.WaitForAsync(m => m.Command == "JOIN" && m.Nick == Bot, 0, TimeSpan.FromSeconds(90));
            await after.WaitForMessageAsync(Bot, t => t.StartsWith("OK: rollout #1 succeeded", StringComparison.Ordinal), 0, Slow);
            await HealthAsync(bot, http, "chat: connected, 0 message(s) in the outbox");
            // The server had every line the bot sent before it answered the bot's PING; the answer to alice's PING comes
            // after all of them on her connection, so once she has it she has read them all.
            var mark = after.Count;
            await after.SendAsync("PING :caught-up");
            await after.WaitForAsync(m => m.Command == "PONG" && m.Params.Contains("caught-up"), mark, Slow);
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

        // The store has the rollouts, finished while chat was down, every host ok. One, or two when the watcher saw
        // the second push only after the policy had started a rollout for the first (the repos are polled apart).
        var rollouts = new RolloutStore(store);
        var records = (await rollouts.LatestAsync(10, CancellationToken.None)).OrderBy(r => r.Id).ToList();
        Assert.InRange(records.Count, 1, 2);
        var rows = new Dictionary<string, int>(StringComparer.Ordinal);
        OutboxEntry Entry(string text) => Assert.Single(sent, e => ChatOutbox.Read(e).Text.StartsWith(text, StringComparison.Ordinal));
        void Missed(OutboxEntry e)
        {
            Assert.True(e.CreatedAt > down && e.CreatedAt < up, $"entry {e.Id} queued at {e.CreatedAt:O}, outage {down:O} to {up:O}");
            Assert.True(e.DeliveredAt > up, $"entry {e.Id} delivered at {e.DeliveredAt:O}, before the server returned at {up:O}");
        }

        foreach (var r in records)
        {
            Assert.Equal(RolloutState.Succeeded, r.State);
            Assert.True(r.FinishedAt < up, $"rollout #{r.Id} finished at {r.FinishedAt:O}, after chat returned at {up:O}");
            var results = await rollouts.GetHostsAsync(r.Id, CancellationToken.None);
            Assert.All(results, x => Assert.Equal(HostOutcome.Ok, x.Outcome));
            foreach (var x in results) rows[x.Host] = rows.GetValueOrDefault(x.Host) + 1;

            // Its story, queued during the outage, delivered after it, each once and in this order.
            var n = r.Hosts.Count;
            var story = new[] { $"rollout #{r.Id} started by chatops (automatic", $"rollout #{r.Id}: 0/{n} done…", $"rollout #{r.Id}: {n}/{n} done", $"OK: rollout #{r.Id} succeeded" }
                .Select(Entry).ToList();
            Assert.Equal(story.Select(e => e.Id).Order(), story.Select(e => e.Id));
            Assert.All(story, Missed);
            var progress = seen.Select(l => ProgressLine().Match(l)).Where(m => m.Success && m.Groups[1].Value == r.Id.ToString(CultureInfo.InvariantCulture))
                .Select(m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(progress.Order().Distinct(), progress);
            Assert.Equal((0, n), (progress[0], progress[^1]));
        }

        // Both merges said during the outage, each before the rollout that deployed it started.
        var merges = new[] { "buildbot-configs production: 1 commit by Test Releng — Bug 1040013", "tools production: 1 commit by Test Releng — Bug 1040013" }
            .Select(Entry).OrderBy(e => e.Id).ToList();
        Assert.All(merges, Missed);
        var starts = records.Select(r => Entry($"rollout #{r.Id} started").Id).ToList();
        for (var i = 0; i < merges.Count; i++) Assert.True(merges[i].Id < starts[Math.Min(i, starts.Count - 1)], $"merge entry {merges[i].Id} after the start of the rollout deploying it");

        // The per-host results tables: one ok row per host and rollout that ran on it.
        Assert.Equal(Hosts, rows.Keys.Order(StringComparer.Ordinal));
        Assert.All(Hosts, h => Assert.Equal(rows[h], seen.Count(l => Regex.IsMatch(l, $@"^{h}\s+ok\s"))));
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
            // A new attempt is a new log line; the minute's end is the only thing that comes without one.
            await bot.OutputAsync(TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Polls <c>/healthz</c> until it has a line starting with <paramref name="line"/>; returns that line.</summary>
    private static async Task<string> HealthAsync(BotProcess bot, HttpClient http, string line)
    {
        var body = "";
        // The bot logs what changes its chat state (connected, a failed attempt, a message sent): ask again after each line.
        for (var deadline = DateTime.UtcNow + Slow; DateTime.UtcNow < deadline; await bot.OutputAsync(TimeSpan.FromMilliseconds(500)))
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

    /// <summary>Every rollout the bot's log says started, it also says finished.</summary>
    private static bool EveryRolloutFinished(string log) =>
        RolloutStarted().Matches(log).All(m => log.Contains($"Rollout {m.Groups[1].Value} finished ", StringComparison.Ordinal));

    [GeneratedRegex(@"Rollout (\d+) started on \d+ hosts")]
    private static partial Regex RolloutStarted();

    [GeneratedRegex(@"delivery failing, (\d+) message")]
    private static partial Regex Waiting();

    [GeneratedRegex(@"^rollout #(\d+): (\d+)/\d+ done(?:…)?$")]
    private static partial Regex ProgressLine();
}
