using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatOpsReconfig.Deployer.Tests.Bugs;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd.Faults;

/// <summary>
/// The whole story on ten real sshd hosts with the real process, buildbotcustom in Mercurial and the others in git:
/// merges announced, lock, pushes to all three repos, unlock, a quiet window of 30 seconds (0.5 minutes) the bot says
/// it waits for and keeps (tools has a window of its own, 0, so the second push deploys at once), the automatic
/// rollout with one ok row per host in its results, one comment per bug on the (fake) Bugzilla naming the git and hg
/// revisions, `/api/live` true and `check-lag` OK, a second rollout, then `!rollback` puts every host back on disk.
/// </summary>
[Collection(SecondSshFarmCollection.Name)]
public sealed partial class WholeStoryTests(SshFarm farm)
{
    // Long enough that the unlock lands inside it on a loaded 2-core CI machine (12 s was not), short enough to wait out.
    private const double QuietMinutes = 0.5;

    private static readonly TimeSpan Quiet = TimeSpan.FromMinutes(QuietMinutes);

    [Fact]
    public async Task LockPushUnlock_QuietWindow_DeploysTenSshHostsGitAndHg_LiveAndOk_ThenRollsBack()
    {
        var port = SshdFixture.FreePort();
        await using var bugzilla = await FakeBugzilla.StartAsync(1040013, 1040014);
        var keyFile = await KeyFileAsync(bugzilla);
        var dir = farm.Prepare(
            json =>
            {
                json["web"] = new JsonObject { ["enabled"] = true, ["url"] = $"http://127.0.0.1:{port}" };
                json["bugs"] = Bugzilla(bugzilla, keyFile, "buildbot-configs", SshFarm.HgRepo, "tools");
                json["policy"]!["quietMinutes"] = QuietMinutes;
                json["repos"]!["tools"]!["quietMinutes"] = 0; // a repo's own window overrides the policy's
            },
            hg: true);
        var before = SshFarm.Heads(dir);
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.WaitForAsync("watching tools production at");
        await bot.WaitForAsync($"watching {SshFarm.HgRepo} production-0.8 at");

        var (configs, tools, custom, at) = await LandUnderTheLockAsync(bot, dir, hg: true);
        Assert.NotNull(custom);

        // The last merge was seen just now: the lock's release says the quiet window holds the rollout, in seconds.
        var (unlocked, _) = await bot.WaitForAsync("released your hold", at);
        var wait = QuietIn().Match(unlocked);
        Assert.True(wait.Success, $"the release does not say the quiet window holds the rollout: {unlocked}");
        Assert.InRange(int.Parse(wait.Groups[1].Value, CultureInfo.InvariantCulture), 1, (int)Quiet.TotalSeconds);

        var (_, started) = await bot.WaitForAsync("rollout #1 started by chatops (automatic", at, timeoutSeconds: 90);
        var (summary, done) = await bot.WaitForAsync(l => l.Contains("rollout #1 succeeded", StringComparison.Ordinal), started, timeoutSeconds: 120);
        Assert.Contains("10", summary, StringComparison.Ordinal);
        var after = SshFarm.Heads(dir);
        Assert.Equal(SshFarm.HeadsAtProduction(dir), after);
        foreach (var host in SshFarm.HostNames.Where(h => h.StartsWith("bm", StringComparison.Ordinal)))
        {
            Assert.True(File.Exists(Path.Combine(SshFarm.Basedir(dir, host), "last-reconfig")), $"{host} was not reconfigured");
        }

        // Rollout #1's results: one row per host, each ok, each moved from the revisions it ran to the new ones.
        var rows = await ResultRowsAsync(bot, done);
        Assert.Equal(SshFarm.HostNames.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        foreach (var (host, row) in rows)
        {
            Assert.True(row.Result == "ok", $"{host}: {row.Result} {row.Changes}");
            foreach (var repo in SshFarm.ReposOf(host))
            {
                var was = Revision(before, host, repo);
                var now = Revision(after, host, repo);
                Assert.Contains($"{repo} {was[..8]}→{now[..8]}", row.Changes, StringComparison.Ordinal);
            }
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        // The bot's own clock: the rollout started no sooner than the quiet window after the last merge it saw in a repo
        // that has one (tools has none of its own).
        var status = await http.GetFromJsonAsync<JsonObject>("/api/status");
        var lastPush = status!["repoDetails"]!.AsArray()
            .Where(r => r!["name"]!.GetValue<string>() != "tools")
            .Select(r => r?["lastPushAt"]).OfType<JsonNode>().Max(t => t.GetValue<DateTimeOffset>());
        var rollout = await http.GetFromJsonAsync<JsonObject>("/api/rollouts/1");
        var startedAt = rollout!["rollout"]!["startedAt"]!.GetValue<DateTimeOffset>();
        Assert.True(startedAt >= lastPush + Quiet, $"rollout #1 started at {startedAt:O}, before the quiet window after the last push at {lastPush:O} ended");
        Assert.True(startedAt <= lastPush + Quiet + TimeSpan.FromSeconds(60), $"rollout #1 started at {startedAt:O}, long after the quiet window after {lastPush:O}");

        // One comment on the bug all three halves name, for rollout #1, carrying the git commits and the hg changeset.
        await SshFarm.UntilAsync(() => bugzilla.CommentsOn(1040013).Count > 0, "the comment on bug 1040013");
        var comment = Assert.Single(bugzilla.CommentsOn(1040013));
        Assert.Contains("[chatops rollout #1]", comment, StringComparison.Ordinal);
        Assert.Contains(configs[..12], comment, StringComparison.Ordinal);
        Assert.Contains(tools[..12], comment, StringComparison.Ordinal);
        Assert.Contains(custom[..12], comment, StringComparison.Ordinal);

        await AssertLiveAndInSyncAsync(dir, port, tools);

        // A second rollout (tools' own window is 0: no wait), then roll back to the first one's set.
        await PushThenRollBackAsync(bot, dir, bugzilla, tools, done, pushed: 2, back: 1);
        Assert.All(SshFarm.HostNames.Where(h => SshFarm.ReposOf(h).Contains(SshFarm.HgRepo)), host => Assert.Equal(custom, SshFarm.HostHead(dir, host, SshFarm.HgRepo)));

        // A rollback deploys nothing new: no bug is told it was deployed again; nothing was commented twice.
        Assert.Single(bugzilla.CommentsOn(1040013));
        Assert.Single(bugzilla.CommentsOn(1040014));
        File.Delete(keyFile);
    }

    /// <summary>
    /// alice locks, pushes a configs half and a tools half of bug 1040013 (and with <paramref name="hg"/> a custom half
    /// to the hg repo), waits until each is announced (no rollout starts meanwhile), and unlocks; returns the heads and
    /// the line the lock answer was at.
    /// </summary>
    internal static async Task<(string Configs, string Tools, string? Custom, int At)> LandUnderTheLockAsync(BotProcess bot, string dir, bool hg = false)
    {
        await bot.SayAsync("alice: !lock 30m landing bug 1040013 across configs and tools");
        var (_, at) = await bot.WaitForAsync("alice holds the deploy lock until");
        var configs = SshFarm.Commit(dir, "buildbot-configs", "Bug 1040013 - configs half");
        var tools = SshFarm.Commit(dir, "tools", "Bug 1040013 - tools half");
        var custom = hg ? SshFarm.Commit(dir, SshFarm.HgRepo, "Bug 1040013 - custom half") : null;
        await bot.WaitForAsync("buildbot-configs production: 1 commit by Test Releng — Bug 1040013", at);
        await bot.WaitForAsync("tools production: 1 commit by Test Releng — Bug 1040013", at);
        if (hg) await bot.WaitForAsync($"{SshFarm.HgRepo} production-0.8: 1 commit by Test Releng — Bug 1040013", at);
        Assert.DoesNotContain(bot.Lines, l => l.Contains("rollout #1 started", StringComparison.Ordinal));
        await bot.SayAsync("alice: !unlock");
        return (configs, tools, custom, at);
    }

    /// <summary>The revision <paramref name="heads"/> (<see cref="SshFarm.Heads"/>) says a host's working copy had.</summary>
    private static string Revision(IReadOnlyList<string> heads, string host, string repo) =>
        heads.Single(l => l.StartsWith($"{host} {repo} ", StringComparison.Ordinal)).Split(' ')[2];

    /// <summary>One row of a rollout's results table as the console shows it.</summary>
    private sealed record ResultRow(string Result, string Changes);

    /// <summary>
    /// The results table posted after a rollout's summary (line <paramref name="summaryAt"/>): its rows by host, once all
    /// ten hosts have one. A host with two rows fails the test.
    /// </summary>
    private static async Task<Dictionary<string, ResultRow>> ResultRowsAsync(BotProcess bot, int summaryAt)
    {
        var table = new List<string>();
        await SshFarm.UntilAsync(
            () =>
            {
                table = TableAfter(bot.Lines, summaryAt);
                return table.Count(l => !IsHeader(l)) >= SshFarm.HostNames.Count;
            },
            "the results table of ten rows",
            seconds: 30);
        var rows = new Dictionary<string, ResultRow>(StringComparer.Ordinal);
        foreach (var cells in table.Where(l => !IsHeader(l)).Select(Cells))
        {
            Assert.True(rows.TryAdd(cells[0], new ResultRow(cells[1], cells[2])), $"{cells[0]} has two rows:\n{string.Join('\n', table)}");
        }

        return rows;
    }

    /// <summary>The first table (header, rule, rows) after line <paramref name="from"/>; a row starts with a host's name.</summary>
    private static List<string> TableAfter(IReadOnlyList<string> lines, int from)
    {
        var start = lines.Skip(from + 1).ToList().FindIndex(l => IsHeader(l) && Cells(l)[0] == "host");
        if (start < 0) return [];
        return [.. lines.Skip(from + 1 + start).TakeWhile(l => IsHeader(l) || SshFarm.HostNames.Contains(Cells(l)[0]))];
    }

    private static bool IsHeader(string line) => Cells(line)[0] is "host" || Cells(line)[0].StartsWith("----", StringComparison.Ordinal);

    /// <summary>A console table line's cells: host, result, then the before → after cell (columns are two or more spaces apart; an ok row has no failed step).</summary>
    private static string[] Cells(string line) => TableGap().Split(ConsolePrefix().Replace(line, "").Trim());

    [GeneratedRegex(@"quiet in (\d+)s\b")]
    private static partial Regex QuietIn();

    [GeneratedRegex(@"^\[#[^\]]+\] ")]
    private static partial Regex ConsolePrefix();

    [GeneratedRegex(" {2,}")]
    private static partial Regex TableGap();

    /// <summary>
    /// A tools push for bug 1040014 deployed as rollout #<paramref name="pushed"/> (every host on it, the bug
    /// commented), then <c>!rollback</c> to rollout #<paramref name="back"/>'s set: every host's tools back on
    /// <paramref name="tools"/>. Returns the line after the rollback's success.
    /// </summary>
    internal static async Task<int> PushThenRollBackAsync(BotProcess bot, string dir, FakeBugzilla bugzilla, string tools, int done, int pushed, int back)
    {
        var next = SshFarm.Commit(dir, "tools", "Bug 1040014 - tools follow-up");
        await bot.WaitForAsync($"rollout #{pushed} succeeded", done, timeoutSeconds: 120);
        Assert.All(SshFarm.HostNames, host => Assert.Equal(next, SshFarm.HostHead(dir, host, "tools")));
        await SshFarm.UntilAsync(() => bugzilla.CommentsOn(1040014).Count > 0, "the comment on bug 1040014");
        await bot.SayAsync("alice: !rollback");
        var (rollback, _) = await bot.WaitForAsync("ROLLBACK", done, timeoutSeconds: 60);
        var (_, end) = await bot.WaitForAsync($"rollout #{pushed + 1} succeeded", done, timeoutSeconds: 120);
        Assert.All(SshFarm.HostNames, host => Assert.Equal(tools, SshFarm.HostHead(dir, host, "tools")));
        Assert.Contains($"#{back}", rollback, StringComparison.Ordinal);
        return end;
    }

    /// <summary>`/api/live` on the bot's web port says <paramref name="tools"/> is live with nothing pending, and `check-lag` agrees.</summary>
    internal static async Task AssertLiveAndInSyncAsync(string dir, int port, string tools)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var live = await http.GetFromJsonAsync<JsonObject>($"/api/live?repo=tools&rev={tools}");
        Assert.True(live!["live"]!.GetValue<bool>(), live.ToJsonString());
        Assert.Empty(live["pending"]!.AsArray());
        await using var check = BotProcess.Start(dir, "check-lag", "--url", $"http://127.0.0.1:{port}");
        var exit = await check.WaitForExitAsync();
        Assert.True(exit == 0, $"check-lag exited {exit}: {string.Join('\n', check.Lines)}");
        Assert.StartsWith("CHATOPS LAG OK - 10 hosts in sync", Assert.Single(check.Lines), StringComparison.Ordinal);
    }

    /// <summary>A file holding the fake Bugzilla's API key (deleted by the test).</summary>
    internal static async Task<string> KeyFileAsync(FakeBugzilla bugzilla)
    {
        var keyFile = Path.Combine(Path.GetTempPath(), "chatops-e2e-key-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllTextAsync(keyFile, bugzilla.Secret + "\n");
        return keyFile;
    }

    /// <summary>The <c>bugs</c> section for the fake Bugzilla on the repos the story pushes to.</summary>
    internal static JsonObject Bugzilla(FakeBugzilla bugzilla, string keyFile, params string[] repos) => new()
    {
        ["bmo"] = new JsonObject
        {
            ["kind"] = "bugzilla", ["url"] = bugzilla.Url, ["apiKeyFile"] = keyFile, ["repos"] = new JsonArray([.. repos.Select(r => (JsonNode)r)]),
        },
    };
}
