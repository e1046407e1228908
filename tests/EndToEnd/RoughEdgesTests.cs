using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd;

/// <summary>
/// What a new user tripped over on the demo (issue #12), typed into the real console bot: grammar for "you", names in
/// any case, emoji kept whole, one answer per unlock with the summary first, a reply to a bare prefix and to
/// <c>name : text</c>, and <c>!status ROLE</c> scoped to that role.
/// </summary>
public sealed class RoughEdgesTests : IAsyncLifetime
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
        await bot.SayAsync("!unlock all");
        (_, at) = await bot.WaitForAsync("released 2 holds. No holds left", at);
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
