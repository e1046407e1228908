using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Deployer.Tests.Bugs;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd.Faults;

/// <summary>
/// The whole story on ten real sshd hosts with the real process: merges announced, lock, pushes to two repos, unlock,
/// the automatic rollout with per-host results, one comment per bug on the (fake) Bugzilla, `/api/live` true and
/// `check-lag` OK, a second rollout, then `!rollback` puts every host back on disk.
/// </summary>
[Collection(SecondSshFarmCollection.Name)]
public sealed class WholeStoryTests(SshFarm farm)
{
    [Fact]
    public async Task LockPushUnlock_DeploysTenSshHosts_LiveAndOk_ThenRollsBack()
    {
        var port = SshdFixture.FreePort();
        await using var bugzilla = await FakeBugzilla.StartAsync(1040013, 1040014);
        var keyFile = await KeyFileAsync(bugzilla);
        var dir = farm.Prepare(json =>
        {
            json["web"] = new JsonObject { ["enabled"] = true, ["url"] = $"http://127.0.0.1:{port}" };
            json["bugs"] = Bugzilla(bugzilla, keyFile);
        });
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.WaitForAsync("watching tools production at");

        var (configs, tools, at) = await LandUnderTheLockAsync(bot, dir);
        var (_, started) = await bot.WaitForAsync("rollout #1 started by chatops (automatic", at, timeoutSeconds: 90);
        var (summary, done) = await bot.WaitForAsync(l => l.Contains("rollout #1 succeeded", StringComparison.Ordinal), started, timeoutSeconds: 120);
        Assert.Contains("10", summary, StringComparison.Ordinal);
        foreach (var host in SshFarm.HostNames)
        {
            Assert.True(tools == SshFarm.HostHead(dir, host, "tools"), $"{host} runs tools {SshFarm.HostHead(dir, host, "tools")}, not {tools}\n{string.Join('\n', bot.Lines)}\n{bot.Stderr}");
            if (host.StartsWith("bm", StringComparison.Ordinal))
            {
                Assert.Equal(configs, SshFarm.HostHead(dir, host, "buildbot-configs"));
                Assert.True(File.Exists(Path.Combine(SshFarm.Basedir(dir, host), "last-reconfig")), $"{host} was not reconfigured");
            }
        }

        // One comment on the bug both halves name, for rollout #1, carrying both commits.
        await SshFarm.UntilAsync(() => bugzilla.CommentsOn(1040013).Count > 0, "the comment on bug 1040013");
        var comment = Assert.Single(bugzilla.CommentsOn(1040013));
        Assert.Contains("[chatops rollout #1]", comment, StringComparison.Ordinal);
        Assert.Contains(configs[..12], comment, StringComparison.Ordinal);
        Assert.Contains(tools[..12], comment, StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var live = await http.GetFromJsonAsync<JsonObject>($"/api/live?repo=tools&rev={tools}");
        Assert.True(live!["live"]!.GetValue<bool>(), live.ToJsonString());
        Assert.Empty(live["pending"]!.AsArray());
        await using (var check = BotProcess.Start(dir, "check-lag", "--url", $"http://127.0.0.1:{port}"))
        {
            var exit = await check.WaitForExitAsync();
            Assert.True(exit == 0, $"check-lag exited {exit}: {string.Join('\n', check.Lines)}");
            Assert.StartsWith("CHATOPS LAG OK - 10 hosts in sync", Assert.Single(check.Lines), StringComparison.Ordinal);
        }

        // A second rollout, then roll back to the first one's set: every host's tools goes back on disk.
        var next = SshFarm.Commit(dir, "tools", "Bug 1040014 - tools follow-up");
        await bot.WaitForAsync("rollout #2 succeeded", done, timeoutSeconds: 120);
        Assert.All(SshFarm.HostNames, host => Assert.Equal(next, SshFarm.HostHead(dir, host, "tools")));
        await SshFarm.UntilAsync(() => bugzilla.CommentsOn(1040014).Count > 0, "the comment on bug 1040014");
        await bot.SayAsync("alice: !rollback");
        var (rollback, _) = await bot.WaitForAsync("ROLLBACK", done, timeoutSeconds: 60);
        await bot.WaitForAsync("rollout #3 succeeded", done, timeoutSeconds: 120);
        Assert.All(SshFarm.HostNames, host => Assert.Equal(tools, SshFarm.HostHead(dir, host, "tools")));
        Assert.Contains("#1", rollback, StringComparison.Ordinal);

        // A rollback deploys nothing new: no bug is told it was deployed again; nothing was commented twice.
        Assert.Single(bugzilla.CommentsOn(1040013));
        Assert.Single(bugzilla.CommentsOn(1040014));
        File.Delete(keyFile);
    }

    /// <summary>
    /// alice locks, pushes a configs half and a tools half of bug 1040013, waits until both are announced (no rollout
    /// starts meanwhile), and unlocks; returns both heads and the line the lock answer was at.
    /// </summary>
    internal static async Task<(string Configs, string Tools, int At)> LandUnderTheLockAsync(BotProcess bot, string dir)
    {
        await bot.SayAsync("alice: !lock 30m landing bug 1040013 across configs and tools");
        var (_, at) = await bot.WaitForAsync("alice holds the deploy lock until");
        var configs = SshFarm.Commit(dir, "buildbot-configs", "Bug 1040013 - configs half");
        var tools = SshFarm.Commit(dir, "tools", "Bug 1040013 - tools half");
        await bot.WaitForAsync("buildbot-configs production: 1 commit by Test Releng — Bug 1040013", at);
        await bot.WaitForAsync("tools production: 1 commit by Test Releng — Bug 1040013", at);
        Assert.DoesNotContain(bot.Lines, l => l.Contains("rollout #1 started", StringComparison.Ordinal));
        await bot.SayAsync("alice: !unlock");
        return (configs, tools, at);
    }

    /// <summary>A file holding the fake Bugzilla's API key (deleted by the test).</summary>
    internal static async Task<string> KeyFileAsync(FakeBugzilla bugzilla)
    {
        var keyFile = Path.Combine(Path.GetTempPath(), "chatops-e2e-key-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllTextAsync(keyFile, bugzilla.Secret + "\n");
        return keyFile;
    }

    /// <summary>The <c>bugs</c> section for the fake Bugzilla on both repos the story pushes to.</summary>
    internal static JsonObject Bugzilla(FakeBugzilla bugzilla, string keyFile) => new()
    {
        ["bmo"] = new JsonObject
        {
            ["kind"] = "bugzilla", ["url"] = bugzilla.Url, ["apiKeyFile"] = keyFile, ["repos"] = new JsonArray("buildbot-configs", "tools"),
        },
    };
}
