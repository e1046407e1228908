using System.Text.Json.Nodes;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd;

/// <summary>Stopping the bot mid-rollout: SIGTERM cancels cleanly and reports; SIGKILL is reported as interrupted on restart.</summary>
public sealed class ShutdownTests
{
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

    private static readonly string[] Masters = ["bm01", "bm02", "bm03"];

    private static string HostFile(string dir, string host, string name) => Path.Combine(dir, "data", "demo", "hosts", host, name);

    private static Task GateReachedAsync(string dir, string host) =>
        SshFarm.UntilAsync(() => File.Exists(HostFile(dir, host, "gate-reached")), $"{host} inside the gated step");

    private static void OpenGate(string dir, string host) => File.WriteAllText(HostFile(dir, host, "gate-open"), "");

    [Fact]
    public async Task Sigterm_DuringRollout_CancelsCleanlyAndReportsBeforeExit()
    {
        var dir = GatedFleet();
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.SayAsync("!deploy now");
        await bot.WaitForAsync("rollout #1 started");
        await GateReachedAsync(dir, "bm01");

        await bot.SayAsync("bob: !deploy now");
        var (busy, _) = await bot.WaitForAsync("not deploying: rollout #1 started by you");
        Assert.Matches(@"is running: \d/5 done, 0 failed", busy);

        bot.Terminate();

        // The running step finishes (it waits for the gate), no other host or step starts, then the bot reports and exits.
        await bot.WaitForLogAsync("Rollout 1 cancelled by shutdown");
        Assert.Null(bot.ExitCode);
        Assert.DoesNotContain(bot.Lines, l => l.Contains("rollout #1 cancelled", StringComparison.Ordinal));
        OpenGate(dir, "bm01");
        var (summary, _) = await bot.WaitForAsync("rollout #1 cancelled", timeoutSeconds: 60);
        Assert.StartsWith("[#releng] CANCELLED:", summary, StringComparison.Ordinal);
        Assert.Equal(0, await bot.WaitForExitAsync());
        Assert.All(new[] { "bm02", "bm03" }, host => Assert.False(File.Exists(HostFile(dir, host, "gate-reached")), $"{host} started after the signal"));
        Assert.False(File.Exists(HostFile(dir, "bm01", "last-reconfig")), "bm01 ran its next step after the signal");

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
        // The canary passes its gate; the next two masters are held inside theirs when the bot is killed.
        var dir = GatedFleet();
        await using (var bot = BotProcess.Start(dir))
        {
            await bot.WaitForAsync("ChatOpsReconfig is here");
            await bot.SayAsync("!deploy now");
            await GateReachedAsync(dir, "bm01");
            OpenGate(dir, "bm01");
            await GateReachedAsync(dir, "bm02");
            await GateReachedAsync(dir, "bm03"); // the canary is done: the others start only after it
            bot.Kill();
            await bot.WaitForExitAsync();
        }

        Assert.All(new[] { "bm02", "bm03" }, host => Assert.False(File.Exists(HostFile(dir, host, "last-reconfig")), $"{host} was reconfigured before the kill"));
        foreach (var host in Masters) File.Delete(HostFile(dir, host, "gate-reached"));
        foreach (var host in Masters) OpenGate(dir, host);

        await using var again = BotProcess.Start(dir);
        var (line, _) = await again.WaitForAsync("INTERRUPTED: rollout #1");
        var unfinished = line[line.IndexOf("unfinished:", StringComparison.Ordinal)..];
        Assert.Contains("bm02", unfinished, StringComparison.Ordinal);
        Assert.Contains("bm03", unfinished, StringComparison.Ordinal);
        Assert.DoesNotContain("bm01", unfinished, StringComparison.Ordinal);
        var (resumed, at) = await again.WaitForAsync("started by chatops (resume interrupted rollout #1)");
        Assert.Contains("rollout #2", resumed, StringComparison.Ordinal);
        await again.WaitForAsync("rollout #2 succeeded", at);

        // The held masters ran their steps again and finished; the canary, done before the kill, was left alone.
        Assert.All(new[] { "bm02", "bm03" }, host => Assert.True(File.Exists(HostFile(dir, host, "gate-reached")) && File.Exists(HostFile(dir, host, "last-reconfig")), $"{host} not finished by the resume"));
        Assert.False(File.Exists(HostFile(dir, "bm01", "gate-reached")), "the resume ran the canary's steps again");
        foreach (var host in Masters)
        {
            foreach (var repo in new[] { "buildbot-configs", "buildbotcustom", "tools" })
            {
                var upstream = BotProcess.Git(Path.Combine(dir, "data", "demo", "upstream", repo), "rev-parse", "HEAD");
                Assert.Equal(upstream, BotProcess.Git(HostFile(dir, host, repo), "rev-parse", "HEAD"));
            }
        }

        await again.SayAsync("!history");
        await again.WaitForAsync(l => l.Contains("interrupted", StringComparison.Ordinal) && l.Contains("unfinished", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EndOfInput_WhileRolloutRuns_FinishesAndReportsThenExits()
    {
        var dir = GatedFleet();
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.SayAsync("!deploy now");
        await GateReachedAsync(dir, "bm01");
        bot.CloseInput();

        // The input has ended while the canary is held inside its step: the bot waits for the rollout, not for nothing.
        await bot.WaitForLogAsync("Chat input ended; stopping once idle");
        Assert.Null(bot.ExitCode);
        Assert.DoesNotContain(bot.Lines, l => l.Contains("rollout #1 succeeded", StringComparison.Ordinal));
        foreach (var host in Masters) OpenGate(dir, host);

        await bot.WaitForAsync("rollout #1 succeeded");
        Assert.Equal(0, await bot.WaitForExitAsync());
        Assert.All(Masters, host => Assert.True(File.Exists(HostFile(dir, host, "last-reconfig")), $"{host} not reconfigured"));
    }
}
