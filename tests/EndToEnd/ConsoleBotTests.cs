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

        // The hosts are read once, in the background, after the greeting: "unknown" until the bot says it read them.
        await bot.WaitForLogAsync("Read the revisions of 5 of 5 hosts never seen before");
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

    // Issue #12's rough edges, as a new user typed them: grammar for "you", names in any case, emoji kept whole, one
    // answer per unlock with the summary first, replies to a bare prefix and to "name : text", !status ROLE scoped.
    [Fact]
    public async Task Run_LocksInAnyCaseAndUnlocks_OneHoldPerPersonOneAnswerEach()
    {
        await using var bot = BotProcess.Start(_dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");

        await bot.SayAsync("!lock 45m 🚀 rocket reason 👩‍👩‍👧");
        var (mine, at) = await bot.WaitForAsync("the deploy lock");
        Assert.Matches(@"^\[#releng\] you hold the deploy lock until \d\d:\d\d UTC: 🚀 rocket reason 👩‍👩‍👧\. ", mine);

        await bot.SayAsync("ALICE: !lock 10m landing");
        (_, at) = await bot.WaitForAsync("ALICE holds the deploy lock", at);
        await bot.SayAsync("alice : !lock 20m");
        var (again, next) = await bot.WaitForAsync("now holds the deploy lock", at);
        Assert.Contains("ALICE now holds the deploy lock", again, StringComparison.Ordinal); // shown as first seen, one hold
        Assert.Contains("Also held by you until", again, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", again.Replace("ALICE", "", StringComparison.Ordinal), StringComparison.Ordinal);
        at = next;

        await bot.SayAsync("!");
        (_, at) = await bot.WaitForAsync("! alone is not a command; !help lists the commands", at);

        await bot.SayAsync("!unlock @alice");
        (var released, at) = await bot.WaitForAsync("released ALICE's hold", at);
        Assert.EndsWith("released ALICE's hold (landing). Still held by you until " + released.Split("held by you until ")[1], released, StringComparison.Ordinal);

        await bot.SayAsync("bob: !lock 5m");
        (_, at) = await bot.WaitForAsync("bob holds the deploy lock", at);
        // "YOU:" is the console user "you" (names compare without case), with its rights: the admin's !unlock all.
        await bot.SayAsync("YOU: !unlock all");
        (_, at) = await bot.WaitForAsync("released 2 holds. No holds left", at);
        await bot.WaitForAsync("bob's hold", at); // the answer's lines arrive one by one
        Assert.Equal("[#releng]   your hold (🚀 rocket reason 👩‍👩‍👧)", bot.Lines[at + 1]);
        Assert.Equal("[#releng]   bob's hold", bot.Lines[at + 2]);

        await bot.SayAsync("!help");
        await bot.WaitForAsync("commands:", at);
        Assert.DoesNotContain(bot.Lines, l => l.Contains("you's", StringComparison.Ordinal) || l.Contains("you holds", StringComparison.Ordinal));
        Assert.DoesNotContain(bot.Lines, l => l.Contains("deploy lock", StringComparison.Ordinal) && l.Contains(" released ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_StatusOfARole_ShowsOnlyItsHostsAndRepos()
    {
        await using var bot = BotProcess.Start(_dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");

        await bot.SayAsync("!status foopy");
        var (summary, at) = await bot.WaitForAsync("2 foopy hosts:");
        await bot.SayAsync("!status 🔥");
        var (error, end) = await bot.WaitForAsync("no host or role named", at);
        Assert.Contains("no host or role named '🔥'", error, StringComparison.Ordinal);

        var reply = bot.Lines.Skip(at).Take(end - at).ToList();
        var production = Assert.Single(reply, l => l.StartsWith("[#releng] production: ", StringComparison.Ordinal));
        Assert.StartsWith("[#releng] production: tools ", production, StringComparison.Ordinal);
        Assert.DoesNotContain("buildbot", production, StringComparison.Ordinal);
        Assert.DoesNotContain(reply, l => l.StartsWith("[#releng] buildbot", StringComparison.Ordinal) || l.StartsWith("[#releng] bm0", StringComparison.Ordinal));
        Assert.Contains(reply, l => l.StartsWith("[#releng] foopy01", StringComparison.Ordinal));
        Assert.NotNull(summary);
    }
}
