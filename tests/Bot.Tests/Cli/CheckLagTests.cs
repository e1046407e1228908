using ChatOpsReconfig.Bot.Tests.Web;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Tests.Cli;

/// <summary><c>chatops check-lag</c> as Nagios runs it: a real process against the running bot; one line, exit 0/1/2/3.</summary>
public sealed class CheckLagTests
{
    [Fact]
    public async Task OkWarningCriticalFromHowLongHostsLackTheHead()
    {
        await using var bot = await WebBot.StartAsync();
        await bot.SeedMixedFleetAsync();
        // The other repos' heads were just seen; tools was "pushed" at a time the test picks.
        var now = DateTimeOffset.UtcNow;

        await bot.EditRepoStateAsync("tools", s => s with { LastPushAt = now.AddMinutes(-5) });
        var (exit, lines) = await ChatopsProcess.RunAsync("check-lag", "--url", bot.Url);
        Assert.Equal(0, exit);
        Assert.Matches(@"^CHATOPS LAG OK - 3 of 5 hosts not in sync, none for 15m: bm01 [45]m behind, bm02 [45]m failed, bm03 [45]m unreachable \| lagging=3;;;0;5 max_behind=3\d\ds;900;1800$", Assert.Single(lines));

        await bot.EditRepoStateAsync("tools", s => s with { LastPushAt = now.AddMinutes(-20) });
        (exit, lines) = await ChatopsProcess.RunAsync("check-lag", "--url", bot.Url);
        Assert.Equal(1, exit);
        Assert.Matches(@"^CHATOPS LAG WARNING - 3 of 5 hosts lagging, worst: bm01 (19|20)m behind, bm02 (19|20)m failed, bm03 (19|20)m unreachable \| lagging=3;;;0;5 max_behind=1[12]\d\ds;900;1800$", Assert.Single(lines));

        await bot.EditRepoStateAsync("tools", s => s with { LastPushAt = now.AddMinutes(-45) });
        (exit, lines) = await ChatopsProcess.RunAsync("check-lag", "--url", bot.Url, "--warning", "20m", "--critical", "40m");
        Assert.Equal(2, exit);
        Assert.Matches(@"^CHATOPS LAG CRITICAL - 3 of 5 hosts lagging, worst: bm01 4[45]m behind, bm02 4[45]m failed, bm03 4[45]m unreachable \| lagging=3;;;0;5 max_behind=2[67]\d\ds;1200;2400$", Assert.Single(lines));
    }

    [Fact]
    public async Task OkWhenEveryHostRunsProductionAndUnknownWhenTheDataIsStale()
    {
        await using var bot = await WebBot.StartAsync();
        foreach (var state in (await bot.Store.GetHostStatesAsync(CancellationToken.None)))
            await bot.Store.SaveHostStateAsync(state with { Revisions = new((await bot.HeadsAsync()).Where(h => state.Revisions.ContainsKey(h.Key)), StringComparer.Ordinal), LastOutcome = HostOutcome.Ok }, CancellationToken.None);

        var (exit, lines) = await ChatopsProcess.RunAsync("check-lag", "--url", bot.Url);
        Assert.Equal(0, exit);
        Assert.Equal("CHATOPS LAG OK - 5 hosts in sync | lagging=0;;;0;5 max_behind=0s;900;1800", Assert.Single(lines));

        // The watcher has not polled for a day (its interval here is an hour): nothing it says can be trusted.
        foreach (var repo in new[] { "buildbot-configs", "buildbotcustom", "tools" })
            await bot.EditRepoStateAsync(repo, s => s with { LastPollAt = DateTimeOffset.UtcNow.AddDays(-1) });
        (exit, lines) = await ChatopsProcess.RunAsync("check-lag", "--url", bot.Url);
        Assert.Equal(3, exit);
        Assert.Matches(@"^CHATOPS LAG UNKNOWN - the bot's data is stale: repo watcher last polled 86\d\d\ds ago$", Assert.Single(lines));
    }

    [Theory]
    [InlineData("http://127.0.0.1:1", "CHATOPS LAG UNKNOWN - cannot ask the bot at http://127.0.0.1:1: Connection refused (127.0.0.1:1)")]
    [InlineData("not a url", "CHATOPS LAG UNKNOWN - --url: 'not a url' is not an http(s) URL")]
    public async Task UnknownWhenTheBotCannotBeAsked(string url, string line)
    {
        var (exit, lines) = await ChatopsProcess.RunAsync("check-lag", "--url", url);
        Assert.Equal(3, exit);
        Assert.Equal(line, Assert.Single(lines));
    }

    [Fact]
    public async Task UnknownWithoutTheTokenAndOkWithIt()
    {
        await using var bot = await WebBot.StartAsync(token: "t0ken");
        var (exit, lines) = await ChatopsProcess.RunAsync("check-lag", "--url", bot.Url, "--warning", "1h", "--critical", "2h");
        Assert.Equal(3, exit);
        Assert.StartsWith($"CHATOPS LAG UNKNOWN - cannot ask the bot at {bot.Url}: HTTP 401: this endpoint needs Authorization: Bearer TOKEN", Assert.Single(lines));

        var tokenFile = Path.Combine(bot.Directory, "web-token");
        (exit, lines) = await ChatopsProcess.RunAsync("check-lag", "--url", bot.Url, "--warning", "1h", "--critical", "2h", "--token-file", tokenFile);
        Assert.Equal(0, exit);
        Assert.StartsWith("CHATOPS LAG OK - 5 of 5 hosts not in sync, none for 1h: ", Assert.Single(lines));
    }
}
