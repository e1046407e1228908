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

    /// <summary>
    /// The demo fleet with a step on the masters that says it started (a file) and then waits for a gate file that never
    /// comes: the signal is sure to find it running, and only cancellation can end it.
    /// </summary>
    private static string GatedFleet() => BotProcess.PrepareDirectory(json =>
    {
        var steps = json["roles"]!["master"]!["steps"]!.AsArray();
        steps.Insert(2, new JsonObject
        {
            ["name"] = "gated",
            ["command"] = "touch {basedir}/gate-reached; until [ -e {basedir}/gate-open ]; do sleep 0.1; done",
            ["timeoutSeconds"] = 300,
        });
    });

    [Fact]
    public async Task Sigterm_DuringRollout_CancelsCleanlyAndReportsBeforeExit()
    {
        var dir = GatedFleet();
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.SayAsync("!deploy now");
        await bot.WaitForAsync("rollout #1 started");
        var reached = Path.Combine(dir, "data", "demo", "hosts", "bm01", "gate-reached");
        using (var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (!File.Exists(reached)) await Task.Delay(20, bound.Token); // the first master is inside the gated step
        }

        await bot.SayAsync("bob: !deploy now");
        var (busy, _) = await bot.WaitForAsync("not deploying: rollout #1 started by you");
        Assert.Matches(@"is running: \d/5 done, 0 failed", busy);

        bot.Terminate();

        // The running step finishes (it waits for the gate), no other host or step starts, then the bot reports and exits.
        await bot.WaitForLogAsync("Rollout 1 cancelled by shutdown");
        Assert.Null(bot.ExitCode);
        Assert.DoesNotContain(bot.Lines, l => l.Contains("rollout #1 cancelled", StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(dir, "data", "demo", "hosts", "bm01", "gate-open"), "");
        var (summary, _) = await bot.WaitForAsync("rollout #1 cancelled", timeoutSeconds: 60);
        Assert.StartsWith("[#releng] CANCELLED:", summary, StringComparison.Ordinal);
        Assert.Equal(0, await bot.WaitForExitAsync());
        Assert.All(new[] { "bm02", "bm03" }, host => Assert.False(File.Exists(Path.Combine(dir, "data", "demo", "hosts", host, "gate-reached")), $"{host} started after the signal"));
        Assert.False(File.Exists(Path.Combine(dir, "data", "demo", "hosts", "bm01", "last-reconfig")), "bm01 ran its next step after the signal");

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
