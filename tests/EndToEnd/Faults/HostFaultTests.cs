using System.Text.Json.Nodes;
using ChatOpsReconfig.Deployer.Tests.Bugs;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd.Faults;

/// <summary>
/// Faults on the ten-host ssh farm, each its own scenario through the real process. Afterwards each asserts what the
/// hosts hold on disk, what the bot said and what the (fake) Bugzilla was told: nothing lost, nothing doubled, nothing
/// moved backward. A bug is commented once per rollout that deployed its commits (a partial one names the hosts not
/// deployed yet), and once more when a later rollout brings those hosts up.
/// </summary>
[Collection(SshFarmCollection.Name)]
public sealed class HostFaultTests(SshFarm farm)
{
    private string GatedFarm(string[] gatedHosts, int timeoutSeconds = 300, Action<JsonObject>? edit = null) => farm.PrepareGated(gatedHosts, timeoutSeconds, edit);

    private static Task UntilAsync(Func<bool> condition, string what, int seconds = 60) => SshFarm.UntilAsync(condition, what, seconds);

    private static int Reconfigs(string dir, string host) => SshFarm.Reconfigs(dir, host);

    /// <summary>The fake Bugzilla on the farm's repos, and a quiet window that keeps a push for <c>!deploy now</c>.</summary>
    private static void Bugs(JsonObject json, FakeBugzilla bugzilla, string keyFile)
    {
        json["bugs"] = WholeStoryTests.Bugzilla(bugzilla, keyFile, "buildbot-configs", "tools");
        json["policy"]!["quietMinutes"] = 60;
    }

    /// <summary>Pushes a tools commit naming <paramref name="bug"/> once the bot watches, and waits until it is announced.</summary>
    private static async Task<string> PushBugAsync(BotProcess bot, string dir, int bug)
    {
        await bot.WaitForAsync("watching tools production at");
        var rev = SshFarm.Commit(dir, "tools", $"Bug {bug} - tools change");
        await bot.WaitForAsync($"tools production: 1 commit by Test Releng — Bug {bug}");
        return rev;
    }

    /// <summary>
    /// Waits for <paramref name="count"/> comments on <paramref name="bug"/>, then until nothing is left to send (a
    /// rollout's comments are all planned before the first is sent), and returns them.
    /// </summary>
    private static async Task<IReadOnlyList<string>> CommentsAsync(BotProcess bot, FakeBugzilla bugzilla, int bug, int count)
    {
        await UntilAsync(() => bugzilla.CommentsOn(bug).Count >= count, $"{count} comment(s) on bug {bug}");
        // The tracker holds a comment a moment before the bot has recorded it as sent: ask until nothing is pending,
        // each ask after the bot's answer to the last.
        for (var asked = 1; ; asked++)
        {
            var from = bot.Lines.Count;
            await bot.SayAsync("!status bugs");
            var (answer, _) = await bot.WaitForAsync(l => l.Contains(" pending, ", StringComparison.Ordinal), from);
            if (answer.EndsWith("] 0 pending, 0 given up", StringComparison.Ordinal)) break;
            Assert.True(asked < 500, $"still not delivered after {asked} asks: {answer}");
        }

        var comments = bugzilla.CommentsOn(bug);
        Assert.True(comments.Count == count, string.Join("\n---\n", comments));
        return comments;
    }

    /// <summary>The catch-up comment of rollout #2 for the hosts rollout #1 missed: no commit listed again.</summary>
    private static void AssertCatchUp(string comment, string rev, params string[] hosts)
    {
        Assert.StartsWith("Now deployed to all 10 hosts of rollout #1: ", comment, StringComparison.Ordinal);
        Assert.All(hosts, h => Assert.Contains(h, comment.Split('\n')[0], StringComparison.Ordinal));
        Assert.Contains(" caught up in rollout #2 ", comment, StringComparison.Ordinal);
        Assert.DoesNotContain(rev[..12], comment, StringComparison.Ordinal);
        Assert.EndsWith("[chatops rollout #2]", comment, StringComparison.Ordinal);
    }

    private static async Task<bool> GateLoopRunsAsync(string dir, string host)
    {
        var r = await Shell.RunAsync("pgrep", ["-f", Path.Combine(SshFarm.Basedir(dir, host), "gate-open")]);
        return r.ExitCode == 0;
    }

    [Fact]
    public async Task HostThatHangs_TimesOutAlone_ItsStepIsKilled_TheOthersDeploy()
    {
        await using var bugzilla = await FakeBugzilla.StartAsync(1040021);
        var keyFile = await WholeStoryTests.KeyFileAsync(bugzilla);
        var dir = GatedFarm(["bm03"], timeoutSeconds: 3, edit: json => Bugs(json, bugzilla, keyFile));
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        var head = await PushBugAsync(bot, dir, 1040021);

        await bot.SayAsync("!deploy now");
        var (summary, at) = await bot.WaitForAsync(l => l.Contains("rollout #1 failed", StringComparison.Ordinal) || l.Contains("rollout #1 succeeded", StringComparison.Ordinal), timeoutSeconds: 120);

        Assert.Contains("9/10 ok", summary, StringComparison.Ordinal);
        await bot.WaitForAsync(l => l.Contains("bm03", StringComparison.Ordinal) && l.Contains("timed out", StringComparison.Ordinal), at);
        Assert.False(await GateLoopRunsAsync(dir, "bm03"), "the hung step still runs on bm03");
        foreach (var host in SshFarm.HostNames)
        {
            Assert.Equal(head, SshFarm.HostHead(dir, host, "tools")); // bm03 too: update ran before the step that hung
            if (host.StartsWith("bm", StringComparison.Ordinal)) Assert.Equal(host == "bm03" ? 0 : 1, Reconfigs(dir, host));
        }

        await bot.SayAsync("!status bm03");
        await bot.WaitForAsync(l => l.Contains("partial", StringComparison.Ordinal), at);

        // Told once, as partial: bm03 runs the new tools but its steps did not finish.
        var comment = Assert.Single(await CommentsAsync(bot, bugzilla, 1040021, 1));
        Assert.StartsWith("Deployed by chatops rollout #1 to 9 of 10 hosts.", comment, StringComparison.Ordinal);
        Assert.Contains("Not deployed yet: bm03 failed at gated.", comment, StringComparison.Ordinal);
        Assert.Contains(head[..12], comment, StringComparison.Ordinal);
        File.Delete(keyFile);
    }

    [Fact]
    public async Task HostWhoseKeyChanged_FailsAloneAndLoudly_IsNotRetried_TheOthersDeploy()
    {
        // The bot's known_hosts holds another key for bm04 (its key "changed" since it was recorded).
        var knownHosts = Path.Combine(Path.GetTempPath(), "chatops-known-" + Guid.NewGuid().ToString("N")[..8]);
        var stranger = await File.ReadAllTextAsync(farm.Sshd.UserKey + ".pub");
        await File.WriteAllLinesAsync(knownHosts, farm.Sshd.Hosts.Select(h => h.Name == "bm04"
            ? $"[127.0.0.1]:{h.Port} {string.Join(' ', stranger.Trim().Split(' ').Take(2))}"
            : h.KnownHostsLine()));
        await using var bugzilla = await FakeBugzilla.StartAsync(1040022);
        var keyFile = await WholeStoryTests.KeyFileAsync(bugzilla);
        var dir = GatedFarm([], edit: json =>
        {
            json["ssh"]!["knownHosts"] = knownHosts;
            Bugs(json, bugzilla, keyFile);
        });
        var before = SshFarm.Heads(dir);
        Assert.NotEqual(SshFarm.HeadsAtProduction(dir), before); // one behind: a rollout moves every host
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        var pushed = await PushBugAsync(bot, dir, 1040022);

        await bot.SayAsync("!deploy now");
        var (summary, at) = await bot.WaitForAsync(l => l.Contains("rollout #1 failed", StringComparison.Ordinal) || l.Contains("rollout #1 succeeded", StringComparison.Ordinal), timeoutSeconds: 120);

        Assert.Contains("9/10 ok", summary, StringComparison.Ordinal);
        var (line, _) = await bot.WaitForAsync(l => l.Contains("bm04", StringComparison.Ordinal) && l.Contains("host key", StringComparison.Ordinal), at);
        Assert.True(line.Contains("changed: got SHA256:", StringComparison.Ordinal), line + "\n" + bot.Stderr);
        Assert.False(File.Exists(Path.Combine(SshFarm.Basedir(dir, "bm04"), "gate-reached")), "a step ran on the host whose key changed");
        var logged = bot.Stderr.Split('\n').Where(l => l.Contains("bm04", StringComparison.Ordinal)).ToList();
        Assert.True(logged.Count(l => l.Contains("Refused host key of bm04 (HostKeyMismatch, Changed)", StringComparison.Ordinal)) == 2, string.Join('\n', logged)); // the start-up probe of hosts never seen, then the rollout's one connect: a changed key is never retried
        Assert.All(SshFarm.HostNames.Where(h => h != "bm04" && h.StartsWith("bm", StringComparison.Ordinal)), h => Assert.Equal(1, Reconfigs(dir, h)));
        Assert.Equal(SshFarm.HeadsAtProduction(dir, before, stayed: ["bm04"]), SshFarm.Heads(dir)); // bm04 was never touched

        var comment = Assert.Single(await CommentsAsync(bot, bugzilla, 1040022, 1));
        Assert.StartsWith("Deployed by chatops rollout #1 to 9 of 10 hosts.", comment, StringComparison.Ordinal);
        Assert.Contains("Not deployed yet: bm04 ", comment, StringComparison.Ordinal);
        Assert.Contains(pushed[..12], comment, StringComparison.Ordinal);
        File.Delete(knownHosts);
        File.Delete(keyFile);
    }

    [Fact]
    public async Task HostWhoseSshdDiesMidStep_FailsAlone_IsPartial_AndTheNextDeployCompletesIt()
    {
        await using var bugzilla = await FakeBugzilla.StartAsync(1040023);
        var keyFile = await WholeStoryTests.KeyFileAsync(bugzilla);
        var dir = GatedFarm(["bm05"], edit: json => Bugs(json, bugzilla, keyFile));
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        var pushed = await PushBugAsync(bot, dir, 1040023);

        await bot.SayAsync("!deploy now");
        await UntilAsync(() => File.Exists(Path.Combine(SshFarm.Basedir(dir, "bm05"), "gate-reached")), "bm05 inside the gated step");
        // Kill the sshd processes serving bm05's connection (children of its listener): the connection drops mid-step.
        await Shell.RunAsync("pkill", ["-KILL", "-P", farm.Host("bm05").Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var (summary, at) = await bot.WaitForAsync(l => l.Contains("rollout #1 failed", StringComparison.Ordinal) || l.Contains("rollout #1 succeeded", StringComparison.Ordinal), timeoutSeconds: 120);

        Assert.Contains("9/10 ok", summary, StringComparison.Ordinal);
        Assert.Equal(0, Reconfigs(dir, "bm05"));
        Assert.Equal(SshFarm.HeadsAtProduction(dir), SshFarm.Heads(dir)); // bm05 too: update ran before the step it lost
        await bot.SayAsync("!status bm05");
        await bot.WaitForAsync(l => l.Contains("partial", StringComparison.Ordinal), at);

        // The orphaned step is still waiting on bm05; the next rollout stops it (its rollout is over) and completes the host.
        File.WriteAllText(Path.Combine(SshFarm.Basedir(dir, "bm05"), "gate-open"), "");
        await bot.SayAsync("!deploy now");
        var (second, _) = await bot.WaitForAsync(l => l.Contains("rollout #2 succeeded", StringComparison.Ordinal), at, timeoutSeconds: 120);
        Assert.Contains("1/1 ok", second, StringComparison.Ordinal);
        Assert.Equal(1, Reconfigs(dir, "bm05"));
        Assert.All(SshFarm.HostNames.Where(h => h.StartsWith("bm", StringComparison.Ordinal)), h => Assert.Equal(1, Reconfigs(dir, h)));
        Assert.Equal(SshFarm.HeadsAtProduction(dir), SshFarm.Heads(dir));

        // Partial first (bm05 not deployed yet), then the catch-up once the second rollout completed it; never more.
        var comments = await CommentsAsync(bot, bugzilla, 1040023, 2);
        Assert.StartsWith("Deployed by chatops rollout #1 to 9 of 10 hosts.", comments[0], StringComparison.Ordinal);
        Assert.Contains("Not deployed yet: bm05 ", comments[0], StringComparison.Ordinal);
        Assert.Contains(pushed[..12], comments[0], StringComparison.Ordinal);
        AssertCatchUp(comments[1], pushed, "bm05");
        File.Delete(keyFile);
    }

    [Fact]
    public async Task BotKilledMidRollout_RestartResumes_NoStepTwice_NothingBackward()
    {
        await using var bugzilla = await FakeBugzilla.StartAsync(1040024);
        var keyFile = await WholeStoryTests.KeyFileAsync(bugzilla);
        var dir = GatedFarm(["bm02", "bm03", "bm04", "bm05", "bm06"], edit: json => Bugs(json, bugzilla, keyFile));
        string pushed;
        await using (var bot = BotProcess.Start(dir))
        {
            await bot.WaitForAsync("ChatOpsReconfig is here");
            pushed = await PushBugAsync(bot, dir, 1040024);
            await bot.SayAsync("!deploy now");
            foreach (var host in new[] { "bm02", "bm03", "bm04", "bm05", "bm06" })
                await UntilAsync(() => File.Exists(Path.Combine(SshFarm.Basedir(dir, host), "gate-reached")), $"{host} inside the gated step");
            bot.Kill();
            await bot.WaitForExitAsync();
        }

        // The orphaned steps finish while the bot is down; their hosts have not been reconfigured.
        foreach (var host in new[] { "bm02", "bm03", "bm04", "bm05", "bm06" })
            File.WriteAllText(Path.Combine(SshFarm.Basedir(dir, host), "gate-open"), "");
        Assert.All(new[] { "bm02", "bm03", "bm04", "bm05", "bm06" }, h => Assert.Equal(0, Reconfigs(dir, h)));

        await using var again = BotProcess.Start(dir);
        await again.WaitForAsync("INTERRUPTED: rollout #1");
        var (_, at) = await again.WaitForAsync("started by chatops (resume interrupted rollout #1)");
        await again.WaitForAsync("rollout #2 succeeded", at, timeoutSeconds: 120);

        Assert.Equal(SshFarm.HeadsAtProduction(dir), SshFarm.Heads(dir));
        Assert.All(SshFarm.HostNames.Where(h => h.StartsWith("bm", StringComparison.Ordinal)), h => Assert.Equal(1, Reconfigs(dir, h)));

        // The interrupted rollout is partial: commented at the restart naming the hosts it left; the resume adds the catch-up.
        var comments = await CommentsAsync(again, bugzilla, 1040024, 2);
        Assert.StartsWith("Deployed by chatops rollout #1 to ", comments[0], StringComparison.Ordinal);
        Assert.Contains(pushed[..12], comments[0], StringComparison.Ordinal);
        var notYet = comments[0].Split('\n').Single(l => l.StartsWith("Not deployed yet: ", StringComparison.Ordinal));
        string[] gated = ["bm02", "bm03", "bm04", "bm05", "bm06"];
        Assert.All(gated, h => Assert.Contains(h + " interrupted when the bot stopped", notYet, StringComparison.Ordinal));
        Assert.DoesNotContain("failed", notYet, StringComparison.Ordinal);
        AssertCatchUp(comments[1], pushed, gated);
        File.Delete(keyFile);
    }

    [Fact]
    public async Task PushLandingMidRollout_WaitsForTheNextRollout_ThePinnedSetHolds()
    {
        await using var bugzilla = await FakeBugzilla.StartAsync(1040015);
        var keyFile = await WholeStoryTests.KeyFileAsync(bugzilla);
        var dir = GatedFarm(["bm01"], edit: json => json["bugs"] = WholeStoryTests.Bugzilla(bugzilla, keyFile, "buildbot-configs", "tools"));
        var pinned = BotProcess.Git(SshFarm.Upstream(dir, "tools"), "rev-parse", "HEAD");
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.WaitForAsync("watching tools production at");

        await bot.SayAsync("!deploy now");
        await UntilAsync(() => File.Exists(Path.Combine(SshFarm.Basedir(dir, "bm01"), "gate-reached")), "the canary inside the gated step");
        var pushed = SshFarm.Commit(dir, "tools", "Bug 1040015 - lands mid-rollout");
        await bot.WaitForAsync("tools production: 1 commit by Test Releng — Bug 1040015");
        File.WriteAllText(Path.Combine(SshFarm.Basedir(dir, "bm01"), "gate-open"), "");

        var (_, first) = await bot.WaitForAsync("rollout #1 succeeded", timeoutSeconds: 120);
        var (start, second) = await bot.WaitForAsync("rollout #2 started", first, timeoutSeconds: 90);
        await bot.WaitForAsync("rollout #2 succeeded", second, timeoutSeconds: 120);

        Assert.Contains(pushed[..12], start, StringComparison.Ordinal);
        var startOfFirst = bot.Lines.First(l => l.Contains("rollout #1 started", StringComparison.Ordinal));
        // The start message: its first line and the indented lines of the revision set under it.
        var setOfFirst = string.Join('\n', bot.Lines.SkipWhile(l => l != startOfFirst).Skip(1).TakeWhile(l => l.StartsWith("[#releng]   ", StringComparison.Ordinal)));
        Assert.Contains("tools " + pinned[..12], setOfFirst, StringComparison.Ordinal);
        Assert.DoesNotContain(pushed[..12], setOfFirst, StringComparison.Ordinal);
        Assert.All(SshFarm.HostNames, h => Assert.Equal(pushed, SshFarm.HostHead(dir, h, "tools")));
        Assert.All(SshFarm.HostNames.Where(h => h.StartsWith("bm", StringComparison.Ordinal)), h => Assert.Equal(2, Reconfigs(dir, h)));

        // The push is told by the rollout that deployed it, once; the pinned rollout did not deploy it.
        var comment = Assert.Single(await CommentsAsync(bot, bugzilla, 1040015, 1));
        Assert.StartsWith("Deployed by chatops rollout #2 to all 10 hosts.", comment, StringComparison.Ordinal);
        Assert.Contains(pushed[..12], comment, StringComparison.Ordinal);
        Assert.EndsWith("[chatops rollout #2]", comment, StringComparison.Ordinal);
        File.Delete(keyFile);
    }
}
