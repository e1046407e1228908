using System.Text.Json.Nodes;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd;

/// <summary>Stopping the bot mid-rollout: SIGTERM cancels cleanly and reports; SIGKILL is reported as interrupted on restart.</summary>
public sealed class ShutdownTests
{
    /// <summary>The demo fleet with a slow step on the masters, so a rollout is still running when the signal comes.</summary>
    private static string SlowFleet() => BotProcess.PrepareDirectory(json =>
    {
        var steps = json["roles"]!["master"]!["steps"]!.AsArray();
        steps.Insert(2, new JsonObject { ["name"] = "slow", ["command"] = "sleep 3", ["timeoutSeconds"] = 30 });
    });

    [Fact]
    public async Task Sigterm_DuringRollout_CancelsCleanlyAndReportsBeforeExit()
    {
        var dir = SlowFleet();
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.SayAsync("!deploy now");
        await bot.WaitForAsync("rollout #1 started");
        await bot.SayAsync("bob: !deploy now");
        var (busy, _) = await bot.WaitForAsync("not deploying: rollout #1 started by you");
        Assert.Matches(@"is running: \d/5 done, 0 failed", busy);

        bot.Terminate();

        var (summary, _) = await bot.WaitForAsync("rollout #1 cancelled", timeoutSeconds: 60);
        Assert.StartsWith("[#releng] CANCELLED:", summary, StringComparison.Ordinal);
        Assert.Equal(0, await bot.WaitForExitAsync());

        // Nothing was abandoned: the next start finds no interrupted rollout.
        await using var again = BotProcess.Start(dir);
        await again.WaitForAsync("ChatOpsReconfig is here");
        await again.SayAsync("!history");
        await again.WaitForAsync("cancelled");
        Assert.DoesNotContain(again.Lines, l => l.Contains("INTERRUPTED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigkill_DuringRollout_RestartReportsInterruptedAndFinishesTheRemainingHosts()
    {
        var dir = SlowFleet();
        await using (var bot = BotProcess.Start(dir))
        {
            await bot.WaitForAsync("ChatOpsReconfig is here");
            await bot.SayAsync("!deploy now");
            await bot.WaitForAsync("rollout #1: 1/5 done");
            bot.Kill();
            await bot.WaitForExitAsync();
        }

        await using var again = BotProcess.Start(dir);
        var (line, _) = await again.WaitForAsync("INTERRUPTED: rollout #1");
        Assert.Contains("unfinished:", line, StringComparison.Ordinal);
        var (resumed, at) = await again.WaitForAsync("started by chatops (resume interrupted rollout #1)");
        Assert.Contains("rollout #2", resumed, StringComparison.Ordinal);
        await again.WaitForAsync("rollout #2 succeeded", at);

        foreach (var host in new[] { "bm01", "bm02", "bm03" })
        {
            foreach (var repo in new[] { "buildbot-configs", "buildbotcustom", "tools" })
            {
                var upstream = BotProcess.Git(Path.Combine(dir, "data", "demo", "upstream", repo), "rev-parse", "HEAD");
                Assert.Equal(upstream, BotProcess.Git(Path.Combine(dir, "data", "demo", "hosts", host, repo), "rev-parse", "HEAD"));
            }
        }

        await again.SayAsync("!history");
        await again.WaitForAsync(l => l.Contains("interrupted", StringComparison.Ordinal) && l.Contains("unfinished", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EndOfInput_WhileRolloutRuns_FinishesAndReportsThenExits()
    {
        var dir = SlowFleet();
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.SayAsync("!deploy now");
        await bot.WaitForAsync("rollout #1 started");
        bot.CloseInput();

        await bot.WaitForAsync("rollout #1 succeeded");
        Assert.Equal(0, await bot.WaitForExitAsync());
    }
}
