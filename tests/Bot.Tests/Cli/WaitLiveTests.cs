using ChatOpsReconfig.Bot.Tests.Web;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Tests.Cli;

/// <summary><c>chatops wait-live</c> as a release script runs it: a real process against the running bot.</summary>
public sealed class WaitLiveTests
{
    [Fact]
    public async Task ExitsZeroOnceTheRolloutPutsTheRevisionOnEveryHost()
    {
        await using var bot = await WebBot.StartAsync();
        var tools = (await bot.HeadsAsync())["tools"];
        await bot.CloseGateAsync("foopy01");
        using var wait = ChatopsProcess.Start(null, "wait-live", "--url", bot.Url, "--repo", "tools", "--rev", tools, "--timeout", "5m");
        var first = await wait.WaitForLineAsync("waiting: ", TimeSpan.FromSeconds(60));
        Assert.Equal($"waiting: 5 host(s) pending (bm01, bm02, bm03, foopy01, foopy02); tools {tools[..12]}: no automatic rollout planned: no merge waiting; !deploy now rolls the lagging hosts forward", first);

        var started = await bot.DeployAsync("alice", "foopy01", "bm01", "bm02", "bm03", "foopy02");
        // The canary foopy01 holds everyone in its gate step; wait-live keeps waiting and says so.
        await wait.WaitForLineAsync($"tools {tools[..12]}: live in under a minute (rolling out since", TimeSpan.FromSeconds(60));
        await bot.OpenGateAsync("foopy01");

        Assert.Equal(0, await wait.ExitAsync());
        Assert.StartsWith($"live: tools {tools[..12]} runs on every host that carries it (waited ", wait.Lines[^1]);
    }

    [Fact]
    public async Task LiveAtOnceForARevisionEveryHostAlreadyRunsOrDescendsFrom()
    {
        await using var bot = await WebBot.StartAsync();
        var older = await Deployer.Tests.Fixtures.Shell.RevParseAsync(bot.Upstream("tools"), "HEAD~1");
        var (exit, lines) = await ChatopsProcess.RunAsync("wait-live", "--url", bot.Url, "--repo", "tools", "--rev", older);
        Assert.Equal(0, exit);
        Assert.StartsWith($"live: tools {older[..12]} runs on every host", Assert.Single(lines));
    }

    [Fact]
    public async Task TimesOutNamingThePendingHosts()
    {
        await using var bot = await WebBot.StartAsync();
        var tools = (await bot.HeadsAsync())["tools"];
        var (exit, lines) = await ChatopsProcess.RunAsync("wait-live", "--url", bot.Url, "--repo", "tools", "--rev", tools, "--timeout", "2s");
        Assert.Equal(1, exit);
        Assert.StartsWith("waiting: 5 host(s) pending", lines[0]);
        Assert.Equal($"timed out after 2s: tools {tools[..12]} not live; 5 host(s) still pending: bm01, bm02, bm03, foopy01, foopy02", lines[^1]);
    }

    [Fact]
    public async Task ExitsThreeWhenTheBotIsUnreachableAndTwoForABadQuestion()
    {
        var rev = new string('a', 40);
        var (exit, lines) = await ChatopsProcess.RunAsync("wait-live", "--url", "http://127.0.0.1:1", "--repo", "tools", "--rev", rev);
        Assert.Equal(3, exit);
        Assert.Equal("cannot ask the bot at http://127.0.0.1:1: Connection refused (127.0.0.1:1)", Assert.Single(lines));

        await using var bot = await WebBot.StartAsync();
        (exit, lines) = await ChatopsProcess.RunAsync("wait-live", "--url", bot.Url, "--repo", "nope", "--rev", rev);
        Assert.Equal(2, exit);
        Assert.Equal("the bot refused: HTTP 404: no repo named 'nope'; known: buildbot-configs, buildbotcustom, tools", Assert.Single(lines));
    }
}
