using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd;

/// <summary>
/// The CLI next to a running bot on the same store: <c>chatops deploy</c> and a second <c>chatops run</c> are refused
/// and touch nothing (two writers would race on the hosts and the store), <c>chatops status</c> still answers from the
/// store, read-only. The running bot made its start-up backup.
/// </summary>
public sealed class SecondProcessTests
{
    [Fact]
    public async Task Deploy_WhileTheBotRuns_IsRefusedAndTouchesNoHost_StatusStillAnswers()
    {
        var dir = BotProcess.PrepareDirectory();
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        var host = Path.Combine(dir, "data", "demo", "hosts", "bm01", "tools");
        var before = BotProcess.Git(host, "rev-parse", "HEAD");
        var upstream = BotProcess.Git(Path.Combine(dir, "data", "demo", "upstream", "tools"), "rev-parse", "HEAD");
        Assert.NotEqual(upstream, before);

        await using (var deploy = BotProcess.Start(dir, "deploy", "--yes"))
        {
            Assert.Equal(2, await deploy.WaitForExitAsync());
            Assert.Contains("is in use by another chatops process", deploy.Stderr, StringComparison.Ordinal);
            Assert.Contains("use !deploy now in chat", deploy.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(before, BotProcess.Git(host, "rev-parse", "HEAD"));

        // A second bot on the same data directory: refused in one line before it says anything (exit 2).
        await using (var second = BotProcess.Start(dir))
        {
            Assert.Equal(2, await second.WaitForExitAsync());
            Assert.Contains("is in use by another chatops process", second.Stderr, StringComparison.Ordinal);
            Assert.Single(second.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.DoesNotContain(second.Lines, l => l.Contains("ChatOpsReconfig is here", StringComparison.Ordinal));
        }

        // The running bot made its start-up backup: a checked copy in data/backups.
        Assert.Single(Directory.GetFiles(Path.Combine(dir, "data", "backups"), "chatops-*.db"));

        await using (var status = BotProcess.Start(dir, "status"))
        {
            Assert.Equal(0, await status.WaitForExitAsync());
            Assert.Contains(status.Lines, l => l.Contains("bm01", StringComparison.Ordinal));
        }

        // --live records what it reads, so it needs the store: refused like deploy, with the same exit code.
        await using (var live = BotProcess.Start(dir, "status", "--live"))
        {
            Assert.Equal(2, await live.WaitForExitAsync());
            Assert.Contains("is in use by another chatops process", live.Stderr, StringComparison.Ordinal);
            Assert.Contains("use !status in chat", live.Stderr, StringComparison.Ordinal);
        }

        // The bot was not disturbed: it still owns the store and deploys.
        await bot.SayAsync("!deploy now");
        await bot.WaitForAsync("rollout #1 succeeded", timeoutSeconds: 120);
        Assert.Equal(upstream, BotProcess.Git(host, "rev-parse", "HEAD"));
    }
}
