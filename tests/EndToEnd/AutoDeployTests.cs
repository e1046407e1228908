using System.Text.Json.Nodes;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd;

/// <summary>
/// The real process deploying by itself: a person takes the lock, pushes to two repos, releases the lock, and the
/// hosts update with no further command. The quiet window is set to zero here (its timing is covered with a fake
/// clock in Bot.Tests); polls and policy ticks are short so the test needs no long waits.
/// </summary>
public sealed class AutoDeployTests
{
    [Fact]
    public async Task LockPushTwoReposUnlock_HostsUpdateByThemselves()
    {
        var dir = BotProcess.PrepareDirectory(json =>
        {
            foreach (var (_, repo) in json["repos"]!.AsObject()) repo!["pollSeconds"] = 5;
            json["policy"] = new JsonObject { ["quietMinutes"] = 0, ["tickSeconds"] = 1 };
        });
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("watching buildbot-configs production at");
        await bot.WaitForAsync("watching buildbotcustom production-0.8 at");

        await bot.SayAsync("alice: !lock 30m landing bug 1040013 across configs and custom");
        var (_, at) = await bot.WaitForAsync("alice holds the deploy lock until");

        var configs = Commit(dir, "buildbot-configs", "Bug 1040013 - configs half");
        var custom = Commit(dir, "buildbotcustom", "Bug 1040013 - custom half");
        await bot.WaitForAsync("buildbot-configs production: 1 commit by Test Releng — Bug 1040013", at);
        await bot.WaitForAsync("buildbotcustom production-0.8: 1 commit by Test Releng — Bug 1040013", at);

        // The policy logs each new decision: once a tick after the merges has recorded why it waits, !status shows it.
        await bot.WaitForLogAsync("blocker Hold: {\"$reason\":\"hold\",\"holder\":\"alice\"");
        await bot.SayAsync("!status");
        await bot.WaitForAsync("policy: waiting: alice holds the lock", at);
        Assert.DoesNotContain(bot.Lines, l => l.Contains("rollout #1 started", StringComparison.Ordinal));

        await bot.SayAsync("alice: !unlock");
        await bot.WaitForAsync("released your hold", at);
        var (started, s) = await bot.WaitForAsync("rollout #1 started by chatops (automatic", at);
        await bot.WaitForAsync("rollout #1 succeeded", s);

        foreach (var host in new[] { "bm01", "bm02", "bm03" })
        {
            Assert.Equal(configs, BotProcess.Git(Path.Combine(dir, "data", "demo", "hosts", host, "buildbot-configs"), "rev-parse", "HEAD"));
            Assert.Equal(custom, BotProcess.Git(Path.Combine(dir, "data", "demo", "hosts", host, "buildbotcustom"), "rev-parse", "HEAD"));
        }

        Assert.Contains("automatic", started, StringComparison.Ordinal);
    }

    private static string Commit(string dir, string repo, string message)
    {
        var path = Path.Combine(dir, "data", "demo", "upstream", repo);
        File.AppendAllText(Path.Combine(path, "README"), message + "\n");
        BotProcess.Git(path, "commit", "-q", "-am", message);
        return BotProcess.Git(path, "rev-parse", "HEAD");
    }
}

/// <summary>Merges that land while the bot is down are announced once after it comes back, and never again.</summary>
public sealed class RestartAnnouncementTests
{
    [Fact]
    public async Task PushesWhileDown_AnnouncedOnceAfterRestart_NotRepeatedAfterAnother()
    {
        var dir = BotProcess.PrepareDirectory();
        await using (var first = BotProcess.Start(dir))
        {
            await first.WaitForAsync("watching tools production at");
            first.Terminate();
            await first.WaitForExitAsync();
        }

        var path = Path.Combine(dir, "data", "demo", "upstream", "tools");
        foreach (var n in new[] { 1, 2 })
        {
            File.AppendAllText(Path.Combine(path, "README"), $"while down {n}\n");
            BotProcess.Git(path, "commit", "-q", "-am", $"Bug 10{n}0000 - landed while the bot was down");
        }

        await using (var second = BotProcess.Start(dir))
        {
            var (line, _) = await second.WaitForAsync("tools production: 2 commits");
            Assert.Contains("Bug 1010000", line, StringComparison.Ordinal);
            Assert.Contains("Bug 1020000", line, StringComparison.Ordinal);
            await second.SayAsync("!status");
            await second.WaitForAsync(l => l.Contains("tools production:", StringComparison.Ordinal) && l.Contains("NOT deployed (2 commits waiting; 5/5 hosts behind)", StringComparison.Ordinal));
            second.Terminate();
            await second.WaitForExitAsync();
            Assert.Single(second.Lines, l => l.Contains("tools production: 2 commits", StringComparison.Ordinal));
        }

        await using var third = BotProcess.Start(dir);
        await third.WaitForAsync("ChatOpsReconfig is here");
        await third.SayAsync("!status");
        await third.WaitForAsync("policy:");
        Assert.DoesNotContain(third.Lines, l => l.Contains("2 commits by", StringComparison.Ordinal) || l.Contains("watching tools", StringComparison.Ordinal));
    }
}
