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
    public async Task Sigkill_DuringRollout_RestartReportsInterrupted()
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
