using System.Text.Json.Nodes;
using ChatOpsReconfig.Deployer.Tests.Bugs;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd;

/// <summary>
/// Bug comments and commit holds through the real process: a bot killed with SIGKILL after its POST reached the
/// tracker comments once after the restart, and a <c>deploy: hold</c> line keeps a pushed commit from going out until
/// <c>!unlock commit</c>. Repos are polled every few seconds so the tests wait on lines, not minutes.
/// </summary>
public sealed class BugsTests : IAsyncLifetime
{
    private const int Bug = 1040013;
    private readonly string _keyFile = Path.Combine(Path.GetTempPath(), "chatops-e2e-key-" + Guid.NewGuid().ToString("N")[..8]);
    private FakeBugzilla _bugzilla = null!;
    private string _dir = "";

    public async Task InitializeAsync()
    {
        _bugzilla = await FakeBugzilla.StartAsync(Bug);
        await File.WriteAllTextAsync(_keyFile, _bugzilla.Secret + "\n");
    }

    /// <summary>The demo fleet with the fake Bugzilla for <c>tools</c>; <paramref name="autoDeploy"/>: quiet window zero, a tick a second.</summary>
    private void Prepare(bool autoDeploy) => _dir = BotProcess.PrepareDirectory(json =>
    {
        foreach (var (_, repo) in json["repos"]!.AsObject()) repo!["pollSeconds"] = 5;
        if (autoDeploy) json["policy"] = new JsonObject { ["quietMinutes"] = 0, ["tickSeconds"] = 1 };
        json["bugs"] = new JsonObject
        {
            ["bmo"] = new JsonObject { ["kind"] = "bugzilla", ["url"] = _bugzilla.Url, ["apiKeyFile"] = _keyFile, ["repos"] = new JsonArray("tools") },
        };
    });

    public async Task DisposeAsync()
    {
        await _bugzilla.DisposeAsync();
        File.Delete(_keyFile);
        try { if (_dir.Length > 0) Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* best effort */ }
    }

    [Fact]
    public async Task KilledBetweenThePostAndTheStoreUpdate_AfterRestartExactlyOneComment()
    {
        Prepare(autoDeploy: false);
        _bugzilla.HoldAfterNextPost();
        var posted = _bugzilla.PostRecorded!.Task;
        await using (var first = BotProcess.Start(_dir))
        {
            await first.WaitForAsync("watching tools production at");
            Commit("tools", $"Bug {Bug} - teach tools to reconfig");
            var (_, at) = await first.WaitForAsync($"tools production: 1 commit by Test Releng — Bug {Bug}");
            await first.SayAsync("!deploy now");
            await first.WaitForAsync("rollout #1 succeeded", at);

            // The comment is on the bug; its answer never comes. The bot dies before it can record the delivery.
            await posted.WaitAsync(TimeSpan.FromSeconds(60));
            first.Kill();
            await first.WaitForExitAsync();
        }

        Assert.Single(_bugzilla.CommentsOn(Bug));
        await using var second = BotProcess.Start(_dir);
        await second.WaitForLogAsync($"Bug comment already on bmo bug {Bug} for rollout #1");
        await second.SayAsync("!status bugs");
        var (_, s) = await second.WaitForAsync("0 pending, 0 given up");
        var (sent, _) = await second.WaitForAsync(l => l.Contains("sent", StringComparison.Ordinal) && l.Contains($"{Bug}", StringComparison.Ordinal), s);

        Assert.Contains("found on the bug after a lost answer", sent, StringComparison.Ordinal);
        var comment = Assert.Single(_bugzilla.CommentsOn(Bug));
        Assert.Contains("Deployed by chatops rollout #1 to all 5 hosts.", comment, StringComparison.Ordinal);
        Assert.EndsWith("[chatops rollout #1]", comment, StringComparison.Ordinal);
        Assert.Equal(0, _bugzilla.Unauthorized);
        Assert.DoesNotContain(second.Lines.Concat(second.Stderr.Split('\n')), l => l.Contains(_bugzilla.Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeployHoldInAPushedCommit_BlocksTheAutomaticRollout_UntilUnlockCommit()
    {
        Prepare(autoDeploy: true);
        await using var bot = BotProcess.Start(_dir);
        await bot.WaitForAsync("watching buildbot-configs production at");

        var rev = Commit("buildbot-configs", $"Bug {Bug} - move the scheduler db\n\ndeploy: hold run migrate.sh on the db host first");
        var (_, at) = await bot.WaitForAsync($"held by commit {rev[..12]} (Test Releng): run migrate.sh on the db host first; !unlock commit to release");

        // Quiet window zero, a tick a second: without the hold this merge would be going out already.
        // The log names the holding commit (it once printed the commit list as its type name).
        var (logged, _) = await bot.WaitForLogAsync("blocker Hold: {\"$reason\":\"hold\",\"holder\":\"commit\"");
        Assert.Contains($"\"rev\":\"{rev}\"", logged, StringComparison.Ordinal);
        await bot.SayAsync("alice: !deploy now");
        var (refused, r) = await bot.WaitForAsync("run migrate.sh", at + 1);
        Assert.Contains($"commit {rev[..12]} (Test Releng)", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(bot.Lines, l => l.Contains("rollout #1 started", StringComparison.Ordinal));
        Assert.NotEqual(rev, BotProcess.Git(Path.Combine(_dir, "data", "demo", "hosts", "bm01", "buildbot-configs"), "rev-parse", "HEAD"));

        await bot.SayAsync("alice: !unlock commit");
        await bot.WaitForAsync("released", r);
        var (_, s) = await bot.WaitForAsync("rollout #1 started by chatops (automatic", r);
        await bot.WaitForAsync("rollout #1 succeeded", s);
        foreach (var host in new[] { "bm01", "bm02", "bm03" })
            Assert.Equal(rev, BotProcess.Git(Path.Combine(_dir, "data", "demo", "hosts", host, "buildbot-configs"), "rev-parse", "HEAD"));
    }

    private string Commit(string repo, string message)
    {
        var path = Path.Combine(_dir, "data", "demo", "upstream", repo);
        File.AppendAllText(Path.Combine(path, "README"), message.Split('\n')[0] + "\n");
        BotProcess.Git(path, "commit", "-q", "-am", message);
        return BotProcess.Git(path, "rev-parse", "HEAD");
    }
}
