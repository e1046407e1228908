using System.Text.Json.Nodes;
using ChatOpsReconfig.Deployer.Tests.Bugs;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd.Faults;

/// <summary>
/// The whole story again on the PostgreSQL store with two bots, and the leader killed (<c>kill -9</c>) in the middle of
/// the rollout: the standby takes over, says the rollout was interrupted, resumes it on the hosts that had not
/// finished, and the bugs are told once. Afterwards: every host on the new set on disk, each master reconfigured
/// exactly once, no merge announced twice, no bug comment doubled, `/api/live` true and `check-lag` OK on the new
/// leader's web port; then a second push and `!rollback` put every host's tools back on disk, no bug commented again.
/// </summary>
[Collection(ThirdSshFarmCollection.Name)]
public sealed class WholeStoryPostgresTests(SshFarm farm, PostgresFixture pg)
{
    private static readonly string[] Gated = ["bm02", "bm03", "bm04", "bm05", "bm06"];

    [Fact]
    public async Task TwoBots_LeaderKilledMidRollout_StandbyResumes_EveryHostOnceNothingTwice()
    {
        var environment = new Dictionary<string, string> { ["CHATOPS_PG"] = await pg.CreateDatabaseAsync() };
        await using var bugzilla = await FakeBugzilla.StartAsync(1040013, 1040014);
        var (webA, webB) = (SshdFixture.FreePort(), SshdFixture.FreePort());
        var keyFile = await WholeStoryTests.KeyFileAsync(bugzilla);
        var dir = farm.PrepareGated(Gated, edit: json =>
        {
            json["store"] = new JsonObject { ["kind"] = "postgres", ["connectionStringEnv"] = "CHATOPS_PG" };
            json["ha"] = new JsonObject { ["instance"] = "bot-a" }; // the default lease, 10 s
            json["bugs"] = WholeStoryTests.Bugzilla(bugzilla, keyFile, "buildbot-configs", "tools");
            json["web"] = new JsonObject { ["enabled"] = true, ["url"] = $"http://127.0.0.1:{webA}" };
        });
        var b = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config", "chatops.json")))!;
        b["ha"]!["instance"] = "bot-b";
        b["web"]!["url"] = $"http://127.0.0.1:{webB}"; // each bot its own port: both serve the web endpoints
        File.WriteAllText(Path.Combine(dir, "config", "b.json"), b.ToJsonString());

        await using var leader = BotProcess.Start(dir, environment);
        await leader.WaitForAsync("ChatOpsReconfig is here");
        await leader.WaitForAsync("watching tools production at");
        await using var standby = BotProcess.Start(dir, environment, "run", "--config", "config/b.json");
        try
        {
            await standby.WaitForLogAsync("bot-b stands by: bot-a leads");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nbot-a (exit {leader.ExitCode}) stderr:\n{leader.Stderr}", ex);
        }

        var (configs, tools, _, at) = await WholeStoryTests.LandUnderTheLockAsync(leader, dir);
        await leader.WaitForAsync("rollout #1 started by chatops (automatic", at, timeoutSeconds: 90);
        foreach (var host in Gated) await SshFarm.UntilAsync(() => File.Exists(Path.Combine(SshFarm.Basedir(dir, host), "gate-reached")), $"{host} inside the gated step");

        leader.Kill();
        await leader.WaitForExitAsync();
        foreach (var host in Gated) File.WriteAllText(Path.Combine(SshFarm.Basedir(dir, host), "gate-open"), "");

        var (_, took) = await standby.WaitForAsync("ChatOpsReconfig is here", timeoutSeconds: 60); // once the 10 s lease runs out
        await standby.WaitForAsync("INTERRUPTED: rollout #1", took);
        var (_, resumed) = await standby.WaitForAsync("started by chatops (resume interrupted rollout #1)", took, timeoutSeconds: 90);
        var (_, done) = await standby.WaitForAsync("rollout #2 succeeded", resumed, timeoutSeconds: 120);

        foreach (var host in SshFarm.HostNames)
        {
            Assert.Equal(tools, SshFarm.HostHead(dir, host, "tools"));
            if (!host.StartsWith("bm", StringComparison.Ordinal)) continue;
            Assert.Equal(configs, SshFarm.HostHead(dir, host, "buildbot-configs"));
            Assert.True(SshFarm.Reconfigs(dir, host) == 1, $"{host} reconfigured {SshFarm.Reconfigs(dir, host)} times");
        }

        // The leader announced both merges before it died; the new leader does not announce them again.
        Assert.DoesNotContain(standby.Lines, l => l.Contains("production: 1 commit by Test Releng", StringComparison.Ordinal));
        await SshFarm.UntilAsync(() => bugzilla.CommentsOn(1040013).Count > 0, "a comment on bug 1040013");
        await standby.SayAsync("alice: !status bugs");
        await standby.WaitForAsync("1040013", resumed);
        var markers = bugzilla.CommentsOn(1040013).Select(c => c[c.LastIndexOf("[chatops rollout #", StringComparison.Ordinal)..]).ToList();
        Assert.Equal(markers.Distinct().Count(), markers.Count);

        // As the README promises for a partial rollout: the interrupted rollout's comment names its commits and the
        // hosts that did not finish; the resuming rollout adds only the catch-up, not the commits again.
        await SshFarm.UntilAsync(() => bugzilla.CommentsOn(1040013).Count >= 2, "the catch-up comment on bug 1040013");
        var comments = bugzilla.CommentsOn(1040013);
        Assert.True(comments.Count == 2, string.Join("\n---\n", comments));
        Assert.StartsWith("Deployed by chatops rollout #1 to ", comments[0], StringComparison.Ordinal);
        Assert.EndsWith("[chatops rollout #1]", comments[0], StringComparison.Ordinal);
        Assert.Contains(configs[..12], comments[0], StringComparison.Ordinal);
        Assert.Contains(tools[..12], comments[0], StringComparison.Ordinal);
        var notYet = comments[0].Split('\n').Single(l => l.StartsWith("Not deployed yet: ", StringComparison.Ordinal));
        Assert.All(Gated, host => Assert.Contains(host + " interrupted when the bot stopped", notYet, StringComparison.Ordinal));
        Assert.DoesNotContain("failed", notYet, StringComparison.Ordinal);
        Assert.StartsWith("Now deployed to all 10 hosts of rollout #1: ", comments[1], StringComparison.Ordinal);
        Assert.All(Gated, host => Assert.Contains(host, comments[1].Split('\n')[0], StringComparison.Ordinal));
        Assert.Contains(" caught up in rollout #2 ", comments[1], StringComparison.Ordinal);
        Assert.EndsWith("[chatops rollout #2]", comments[1], StringComparison.Ordinal);
        Assert.DoesNotContain(configs[..12], comments[1], StringComparison.Ordinal);
        Assert.DoesNotContain(tools[..12], comments[1], StringComparison.Ordinal);

        // The new leader's web port says it is live, and check-lag agrees.
        await WholeStoryTests.AssertLiveAndInSyncAsync(dir, webB, tools);

        // A second push and rollout, then roll back to the resumed rollout's set: every host's tools back on disk.
        var end = await WholeStoryTests.PushThenRollBackAsync(standby, dir, bugzilla, tools, done, pushed: 3, back: 2);

        // The rollback comments nothing; nothing was commented twice.
        await standby.SayAsync("alice: !status bugs");
        await standby.WaitForAsync("0 pending, 0 given up", end);
        Assert.Equal(comments, bugzilla.CommentsOn(1040013));
        Assert.EndsWith("[chatops rollout #3]", Assert.Single(bugzilla.CommentsOn(1040014)), StringComparison.Ordinal);
        File.Delete(keyFile);
    }
}
