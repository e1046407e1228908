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
