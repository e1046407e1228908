using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd.Faults;

/// <summary>
/// The store's directory made read-only under the running bot. The bot runs as root here, and root ignores file modes,
/// so the files are made immutable (<c>chattr +i</c>), which refuses root too, as a read-only remount would.
/// </summary>
public sealed class StoreFaultTests
{
    private static async Task ImmutableAsync(string dataDir, bool on)
    {
        // The directory and every file directly in it (the store, LiteDB's log, the lock file); not the demo hosts' trees.
        var targets = Directory.GetFiles(dataDir).Append(dataDir).ToList();
        var result = await Shell.RunAsync("chattr", [on ? "+i" : "-i", .. targets]);
        Assert.True(result.ExitCode == 0, $"chattr {(on ? "+i" : "-i")}: exit {result.ExitCode}: {result.Stderr}");
    }

    private static int Count(BotProcess bot, string text) => bot.Lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>
    /// The store turns read-only while a rollout runs: bm02 and bm03 are inside a gated step (after update and
    /// checkconfig, before reconfig) when it happens, and finish while nothing can be written. Afterwards, with the
    /// store writable again: every host on the production set, each master reconfigured exactly once, the rollout
    /// recorded as finished with every host's result, and its summary said once.
    /// </summary>
    [Fact]
    public async Task StoreMadeReadOnlyMidRollout_NothingLostNothingTwice_TheRolloutEndsOnceWritable()
    {
        string[] gated = ["bm02", "bm03"];
        var dir = BotProcess.PrepareDirectory(json =>
        {
            var steps = json["roles"]!["master"]!["steps"]!.AsArray();
            steps.Insert(2, new System.Text.Json.Nodes.JsonObject
            {
                ["name"] = "gated",
                ["timeoutSeconds"] = 300,
                ["command"] = "touch {basedir}/gate-reached; if [ {host} = bm02 ] || [ {host} = bm03 ]; then until [ -e {basedir}/gate-open ]; do sleep 0.1; done; fi",
            });
            steps[3]!["command"] = "echo reconfig >> {basedir}/reconfig-count && echo reconfigured {host}";
        });
        var data = Path.Combine(dir, "data");
        string Basedir(string host) => Path.Combine(data, "demo", "hosts", host);
        string Journal(string host) => File.Exists(Path.Combine(Basedir(host), ".chatops.journal")) ? File.ReadAllText(Path.Combine(Basedir(host), ".chatops.journal")) : "";
        await using var bot = BotProcess.Start(dir);
        var (_, at) = await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.WaitForLogAsync("Read the revisions of 5 of 5 hosts never seen before");
        await bot.SayAsync("!deploy now");
        (_, at) = await bot.WaitForAsync("rollout #1 started", at);
        foreach (var host in gated) await SshFarm.UntilAsync(() => File.Exists(Path.Combine(Basedir(host), "gate-reached")), $"{host} inside the gated step");

        await ImmutableAsync(data, on: true);
        try
        {
            foreach (var host in gated) File.WriteAllText(Path.Combine(Basedir(host), "gate-open"), "");
            await bot.WaitForAsync("STORE READ-ONLY", at, timeoutSeconds: 60);
            // The gated step ends on both while nothing can be written (the host driver's own journal says so).
            await SshFarm.UntilAsync(() => gated.All(h => Journal(h).Contains("gated 0")), "the gated step ended on bm02 and bm03");
        }
        finally
        {
            await ImmutableAsync(data, on: false);
        }

        await bot.WaitForAsync("can be written again", at, timeoutSeconds: 30);
        var (summary, done) = await bot.WaitForAsync(l => l.Contains("rollout #1 succeeded", StringComparison.Ordinal) || l.Contains("rollout #1 failed", StringComparison.Ordinal), at, timeoutSeconds: 120);
        Assert.True(summary.Contains("rollout #1 succeeded", StringComparison.Ordinal) && summary.Contains("5/5 ok", StringComparison.Ordinal),
            string.Join('\n', bot.Lines) + "\n" + bot.Stderr);
        Assert.Equal(1, Count(bot, "rollout #1 succeeded"));

        foreach (var host in new[] { "bm01", "bm02", "bm03" })
        {
            var count = File.Exists(Path.Combine(Basedir(host), "reconfig-count")) ? File.ReadAllLines(Path.Combine(Basedir(host), "reconfig-count")).Length : 0;
            Assert.True(count == 1, $"{host} reconfigured {count} times");
        }

        foreach (var host in new[] { "bm01", "bm02", "bm03", "foopy01", "foopy02" })
        {
            var upstream = BotProcess.Git(Path.Combine(data, "demo", "upstream", "tools"), "rev-parse", "production");
            Assert.Equal(upstream, BotProcess.Git(Path.Combine(Basedir(host), "tools"), "rev-parse", "HEAD"));
        }

        // The store has it: no host lags, and no rollout is left running after a restart.
        await bot.SayAsync("!status");
        var (status, _) = await bot.WaitForAsync("in sync", done);
        Assert.Contains("5", status, StringComparison.Ordinal);
        bot.Terminate();
        Assert.Equal(0, await bot.WaitForExitAsync(30));
        await using var again = BotProcess.Start(dir);
        await again.WaitForAsync("ChatOpsReconfig is here");
        Assert.DoesNotContain(again.Lines, l => l.Contains("interrupted", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task StoreMadeReadOnly_WritesRefusedInOneLine_StatusAnswers_SaidOnce_CarriesOnWhenWritableAgain()
    {
        var dir = BotProcess.PrepareDirectory();
        var data = Path.Combine(dir, "data");
        await using (var bot = BotProcess.Start(dir))
        {
            var (_, at) = await bot.WaitForAsync("ChatOpsReconfig is here");
            await bot.SayAsync("alice: !lock 2h before the outage");
            (_, at) = await bot.WaitForAsync("alice holds the deploy lock", at);

            await ImmutableAsync(data, on: true);
            try
            {
                await bot.SayAsync("bob: !lock 30m landing bug 1040013");
                var (refusal, refused) = await bot.WaitForAsync("!lock: not done", at);
                Assert.Contains("cannot be written", refusal, StringComparison.Ordinal);
                Assert.Contains("nothing was changed", refusal, StringComparison.Ordinal);
                await bot.WaitForAsync("STORE READ-ONLY", at);

                await bot.SayAsync("carol: !lock 10m second try");
                await bot.WaitForAsync("!lock: not done", refused + 1);
                await bot.SayAsync("!status");
                var (held, _) = await bot.WaitForAsync("lock: held by", refused + 1);
                Assert.Contains("alice", held, StringComparison.Ordinal);
                Assert.DoesNotContain("bob", held, StringComparison.Ordinal);
                Assert.DoesNotContain("carol", held, StringComparison.Ordinal);
            }
            finally
            {
                await ImmutableAsync(data, on: false);
            }

            (_, at) = await bot.WaitForAsync("can be written again", at, timeoutSeconds: 30);
            await bot.SayAsync("bob: !lock 30m landing bug 1040013");
            await bot.WaitForAsync("bob holds the deploy lock", at);

            Assert.Equal(1, Count(bot, "STORE READ-ONLY"));
            Assert.Equal(1, Count(bot, "can be written again"));
            Assert.Equal(2, Count(bot, "!lock: not done"));
            Assert.Equal(1, Count(bot, "alice holds the deploy lock"));

            // The start-up read of the demo hosts may have met the read-only store; it is read again, not lost.
            await bot.WaitForLogAsync("Read the revisions of 5 of 5 hosts never seen before", timeoutSeconds: 60);
            bot.Terminate();
            var code = await bot.WaitForExitAsync(30);
            Assert.True(code == 0, $"exit {code} after SIGTERM; stderr:\n{bot.Stderr}");
        }

        // Nothing lost, nothing doubled: the store opens (checked page by page) and holds exactly what was accepted.
        await using var again = BotProcess.Start(dir);
        var (_, start) = await again.WaitForAsync("ChatOpsReconfig is here");
        await again.SayAsync("!status");
        var (lockLine, _) = await again.WaitForAsync("lock: held by", start);
        Assert.Contains("alice", lockLine, StringComparison.Ordinal);
        Assert.Contains("bob", lockLine, StringComparison.Ordinal);
        Assert.DoesNotContain("carol", lockLine, StringComparison.Ordinal);
        Assert.DoesNotContain(again.Lines, l => l.Contains("holds the deploy lock", StringComparison.Ordinal) || l.Contains("STORE READ-ONLY", StringComparison.Ordinal));
    }
}
