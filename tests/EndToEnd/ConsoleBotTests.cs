using System.Text;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd;

/// <summary>The whole bot in console mode on a copy of the demo fleet: what a newcomer sees after the first command.</summary>
public sealed class ConsoleBotTests : IAsyncLifetime
{
    private string _dir = "";

    public Task InitializeAsync()
    {
        _dir = BotProcess.PrepareDirectory();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* best effort */ }
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Run_DemoFleet_GreetsShowsStatusDeploysAndUpdatesHosts()
    {
        await using var bot = BotProcess.Start(_dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");

        await bot.SayAsync("!status");
        var (_, at) = await bot.WaitForAsync(l => l.Contains("5 hosts:", StringComparison.Ordinal) && l.Contains("behind", StringComparison.Ordinal));
        await bot.WaitForAsync(l => l.StartsWith("[#releng] bm01", StringComparison.Ordinal) && l.Contains("behind", StringComparison.Ordinal), at);

        await bot.SayAsync("!deploy now");
        await bot.WaitForAsync("rollout #1 started by you (deploy now): 5 hosts", at);
        await bot.WaitForAsync("rollout #1: 5/5 done", at);
        var (summary, s) = await bot.WaitForAsync("rollout #1 succeeded", at);
        Assert.StartsWith("[#releng] OK:", summary, StringComparison.Ordinal);
        await bot.WaitForAsync(l => l.Contains("foopy02", StringComparison.Ordinal) && l.Contains(" ok ", StringComparison.Ordinal), s);

        foreach (var host in new[] { "bm01", "bm02", "bm03" })
        {
            foreach (var repo in new[] { "buildbot-configs", "buildbotcustom", "tools" })
            {
                var upstream = BotProcess.Git(Path.Combine(_dir, "data", "demo", "upstream", repo), "rev-parse", "HEAD");
                var onHost = BotProcess.Git(Path.Combine(_dir, "data", "demo", "hosts", host, repo), "rev-parse", "HEAD");
                Assert.Equal(upstream, onHost);
            }
        }

        Assert.True(File.Exists(Path.Combine(_dir, "data", "demo", "hosts", "bm02", "last-reconfig")));

        var before = bot.Lines.Count;
        await bot.SayAsync("!status");
        await bot.WaitForAsync("5 hosts: all in sync", before);
        await bot.SayAsync("!history");
        await bot.WaitForAsync(l => l.Contains("succeeded", StringComparison.Ordinal) && l.Contains("5/5 ok", StringComparison.Ordinal), before);

        bot.CloseInput();
        Assert.Equal(0, await bot.WaitForExitAsync());
    }

    [Fact]
    public async Task Run_BadInput_AnswersEachLineAndKeepsRunning()
    {
        await using var bot = BotProcess.Start(_dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");

        await bot.SayAsync("");
        await bot.SayAsync("   ");
        await bot.SayAsync("!" + new string('x', 10_000));
        await bot.WriteRawAsync([.. "!stat\u0001us \u0007"u8, 0xff, 0xfe, (byte)'\n']);
        await bot.SayAsync("!deploy sideways");
        await bot.SayAsync("!status nosuchhost");
        await bot.SayAsync("!history banana");
        await bot.SayAsync("!frobnicate");
        await bot.SayAsync("!help");

        await bot.WaitForAsync("unknown command !xxxxxxxx");
        await bot.WaitForAsync("unknown sub-command 'sideways'");
        await bot.WaitForAsync("no host or role named 'nosuchhost'");
        await bot.WaitForAsync("usage: !history [n]");
        await bot.WaitForAsync("unknown command !frobnicate");
        await bot.WaitForAsync("commands:");
        // The control characters and broken UTF-8 were dropped, leaving a valid !status.
        await bot.WaitForAsync("5 hosts:");
        Assert.DoesNotContain(bot.Lines, l => l.Length > 2200);
        Assert.Null(bot.ExitCode);
    }

    [Fact]
    public async Task Run_WithEditedPermissions_RefusesAndAudits()
    {
        var dir = BotProcess.PrepareDirectory(json => json["permissions"] = new System.Text.Json.Nodes.JsonObject
        {
            ["deployers"] = new System.Text.Json.Nodes.JsonArray("alice"),
            ["admins"] = new System.Text.Json.Nodes.JsonArray("root"),
        });
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.SayAsync("alice: !deploy now --force");
        await bot.WaitForAsync("sorry alice, !deploy now --force is for admins only");
        await bot.SayAsync("bob: !deploy cancel");
        await bot.WaitForAsync("sorry bob, !deploy is for deployers only");
        await bot.SayAsync("alice: !deploy cancel");
        await bot.WaitForAsync("no rollout is running");
    }
}
