using System.Text.Json;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Maintenance;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Tests.Bugs;

namespace ChatOpsReconfig.Bot.Tests.Bugs;

/// <summary>Bug comments, the maintenance log and commit holds through the whole bot on the demo fleet (fake clock).</summary>
public sealed class BotBugsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly List<string> _dirs = [];
    private readonly List<IAsyncDisposable> _disposables = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var d in Enumerable.Reverse(_disposables)) await d.DisposeAsync();
        foreach (var dir in _dirs) Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task DeployHoldInAPushedCommit_BlocksTheAutomaticRollout_UntilUnlockCommit()
    {
        var bot = await StartAsync();
        var rev = bot.Push("buildbot-configs", "Bug 1040013 - move the db\n\nNeeds the schema change first.\ndeploy: hold run migrate.sh on the db host first");
        await bot.PollAllAsync();
        await bot.DeliverAsync();
        Assert.Contains($"held by commit {rev[..12]} (Alice Releng): run migrate.sh on the db host first; !unlock commit to release", bot.Posted, StringComparison.Ordinal);

        bot.Time.Advance(TimeSpan.FromMinutes(10)); // past the quiet window
        var held = await bot.TickAsync();
        Assert.Equal(PolicyBlocker.Hold, held.Blocker);
        Assert.Empty((await bot.Rollouts.LatestAsync(5, CancellationToken.None)));
        var refused = await bot.SayAsync("alice", "!deploy now");
        Assert.Contains($"commit {rev[..12]} (Alice Releng)", refused, StringComparison.Ordinal);
        Assert.Contains("run migrate.sh", refused, StringComparison.Ordinal);
        Assert.Empty((await bot.Rollouts.LatestAsync(5, CancellationToken.None)));

        Assert.Contains("released", await bot.SayAsync("bob", "!unlock commit"), StringComparison.Ordinal);
        await bot.TickAsync();
        var rollout = Assert.Single((await bot.Rollouts.LatestAsync(5, CancellationToken.None)));
        Assert.Equal(rev, rollout.Revisions["buildbot-configs"]);
        Assert.Contains("there is no commit hold", await bot.SayAsync("bob", "!unlock commit"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollout_CommentsOnceOnTheNamedBug_ShowsInStatusBugs_AndTheMaintenanceLog()
    {
        var bugzilla = await FakeBugzilla.StartAsync(1040013);
        _disposables.Add(bugzilla);
        var keyFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(keyFile, bugzilla.Secret + "\n");
        var bot = await StartAsync(json => json["bugs"] = new JsonObject
        {
            ["bmo"] = new JsonObject { ["kind"] = "bugzilla", ["url"] = bugzilla.Url, ["apiKeyFile"] = keyFile, ["repos"] = new JsonArray("buildbot-configs", "tools") },
        });
        var rev = bot.Push("tools", "Bug 1040013 - teach tools to reconfig");
        await bot.PollAllAsync();
        await bot.SayAsync("alice", "!deploy now");
        await bot.Coordinator.WhenIdleAsync();
        var rollout = (await bot.Rollouts.LatestAsync(1, CancellationToken.None))[0];

        var delivery = bot.Get<BugCommentDelivery>();
        Assert.Equal(1, await delivery.PlanFinishedAsync(CancellationToken.None));
        Assert.Equal(1, await delivery.DeliverDueAsync(CancellationToken.None));
        Assert.Equal(0, await delivery.PlanFinishedAsync(CancellationToken.None));
        var comment = Assert.Single(bugzilla.CommentsOn(1040013));
        Assert.Contains($"Deployed by chatops rollout #{rollout.Id} to all 5 hosts.", comment, StringComparison.Ordinal);
        Assert.Contains($"tools {rev[..12]}", comment, StringComparison.Ordinal);
        Assert.Contains($"/rollouts/{rollout.Id}", comment, StringComparison.Ordinal);
        Assert.DoesNotContain(bugzilla.Secret, bot.Posted, StringComparison.Ordinal);

        var status = await bot.SayAsync("bob", "!status bugs");
        Assert.Contains("bmo: bugzilla", status, StringComparison.Ordinal);
        Assert.Contains("0 pending, 0 given up", status, StringComparison.Ordinal);
        Assert.Matches(@"sent\s+\|?\s*bmo\s+\|?\s*1040013", status);

        var log = await bot.SayAsync("bob", "!log 1");
        Assert.StartsWith($"#{rollout.Id} ", log, StringComparison.Ordinal);
        Assert.Contains("teach tools to reconfig", log, StringComparison.Ordinal);
        Assert.Contains("show_bug.cgi?id=1040013", log, StringComparison.Ordinal);
        Assert.Contains("5 ok", log, StringComparison.Ordinal);

        var markdown = new StringWriter();
        Assert.Equal(0, await MaintenanceLogVerb.WriteAsync(bot.Get<ChatOpsReconfig.Bot.Web.MaintenanceLog>(), "7d", "markdown", markdown, bot.Time, bot.Get<ChatOpsReconfig.Bot.Hosting.BotOptions>(), CancellationToken.None));
        Assert.Contains($"rollout #{rollout.Id} succeeded", markdown.ToString(), StringComparison.Ordinal);
        Assert.Contains("[bug 1040013](https://bugzilla.mozilla.org/show_bug.cgi?id=1040013)", markdown.ToString(), StringComparison.Ordinal);
        var json = new StringWriter();
        Assert.Equal(0, await MaintenanceLogVerb.WriteAsync(bot.Get<ChatOpsReconfig.Bot.Web.MaintenanceLog>(), "7d", "json", json, bot.Time, bot.Get<ChatOpsReconfig.Bot.Hosting.BotOptions>(), CancellationToken.None));
        var entry = JsonNode.Parse(json.ToString())!.AsArray().Single()!;
        Assert.Equal(rollout.Id, entry["rolloutId"]!.GetValue<int>());
        var old = new StringWriter();
        bot.Time.Advance(TimeSpan.FromDays(8));
        Assert.Equal(0, await MaintenanceLogVerb.WriteAsync(bot.Get<ChatOpsReconfig.Bot.Web.MaintenanceLog>(), "7d", "json", old, bot.Time, bot.Get<ChatOpsReconfig.Bot.Hosting.BotOptions>(), CancellationToken.None));
        Assert.Empty(JsonNode.Parse(old.ToString())!.AsArray());
        Assert.Equal(2, await MaintenanceLogVerb.WriteAsync(bot.Get<ChatOpsReconfig.Bot.Web.MaintenanceLog>(), "7d", "html", old, bot.Time, bot.Get<ChatOpsReconfig.Bot.Hosting.BotOptions>(), CancellationToken.None));
        File.Delete(keyFile);
    }

    [Fact]
    public async Task DeployHold_IsOverriddenByDeployNowForce_ForAdmins()
    {
        var bot = await StartAsync();
        var rev = bot.Push("buildbot-configs", "Bug 1040013 - move the db\n\ndeploy: hold run migrate.sh first");
        await bot.PollAllAsync();
        await bot.DeliverAsync();

        Assert.Contains("admins only", await bot.SayAsync("alice", "!deploy now --force"), StringComparison.Ordinal);
        Assert.Empty((await bot.Rollouts.LatestAsync(5, CancellationToken.None)));
        await bot.SayAsync("root", "!deploy now --force");
        await bot.Coordinator.WhenIdleAsync();
        Assert.Equal(rev, Assert.Single((await bot.Rollouts.LatestAsync(5, CancellationToken.None))).Revisions["buildbot-configs"]);
    }

    [Fact]
    public async Task StatusBugs_ShowsPendingGivenUpAndDryRun_AndTheChannelHearsEachTroubleOnce()
    {
        var down = await FakeBugzilla.StartAsync(1040013); // refuses the key the bot has: the comment waits
        var up = await FakeBugzilla.StartAsync();          // has no bug 7777777: the comment is given up
        _disposables.Add(down);
        _disposables.Add(up);
        var wrongKey = Path.GetTempFileName();
        var rightKey = Path.GetTempFileName();
        await File.WriteAllTextAsync(wrongKey, "not-the-key");
        await File.WriteAllTextAsync(rightKey, up.Secret);
        var bot = await StartAsync(json => json["bugs"] = new JsonObject
        {
            ["bmo"] = new JsonObject { ["kind"] = "bugzilla", ["url"] = down.Url, ["apiKeyFile"] = wrongKey, ["repos"] = new JsonArray("tools") },
            ["other"] = new JsonObject { ["kind"] = "bugzilla", ["url"] = up.Url, ["apiKeyFile"] = rightKey, ["repos"] = new JsonArray("buildbot-configs") },
            ["gh"] = new JsonObject { ["kind"] = "github", ["url"] = "https://api.github.com", ["project"] = "mozilla/custom", ["repos"] = new JsonArray("buildbotcustom"), ["dryRun"] = true },
        });
        bot.Push("tools", "Bug 1040013 - teach tools to reconfig");
        bot.Push("buildbot-configs", "Bug 7777777 - a typo in the bug number");
        await bot.PollAllAsync();
        await bot.SayAsync("alice", "!deploy now");
        await bot.Coordinator.WhenIdleAsync();
        var delivery = bot.Get<BugCommentDelivery>();
        Assert.Equal(2, await delivery.PlanFinishedAsync(CancellationToken.None));
        for (var i = 0; i < 5; i++)
        {
            await delivery.DeliverDueAsync(CancellationToken.None);
            bot.Time.Advance(TimeSpan.FromHours(1));
        }

        await bot.DeliverAsync();
        Assert.Empty(down.CommentsOn(1040013));
        Assert.Equal(5, down.Unauthorized);
        Assert.Single(Lines(bot.Posted, "bug comments to bmo are failing (HTTP 401: You must log in"));
        Assert.Single(Lines(bot.Posted, "gave up the comment on other bug 7777777 for rollout #1: bug 7777777 does not exist"));

        var status = await bot.SayAsync("bob", "!status bugs");
        Assert.Contains("gh: github https://api.github.com mozilla/custom, repos buildbotcustom — DRY RUN: comments are logged, not sent", status, StringComparison.Ordinal);
        Assert.Contains("1 pending, 1 given up", status, StringComparison.Ordinal);
        Assert.Matches(@"pending\s+\|?\s*bmo\s+\|?\s*1040013\s+\|?\s*#1\s+\|?\s*5\s+\|?\s*next ", status);
        Assert.Matches(@"given up\s+\|?\s*other\s+\|?\s*7777777\s+\|?\s*#1\s.*does not exist", status);
        Assert.DoesNotContain("not-the-key", status, StringComparison.Ordinal);
        File.Delete(wrongKey);
        File.Delete(rightKey);
    }

    [Fact]
    public async Task StatusBugs_WithoutTrackers_SaysSo_AndLogBeforeAnyRollout()
    {
        var bot = await StartAsync();
        Assert.Contains("no bug trackers configured", await bot.SayAsync("bob", "!status bugs"), StringComparison.Ordinal);
        Assert.Contains("no rollout has finished yet", await bot.SayAsync("bob", "!log"), StringComparison.Ordinal);
        Assert.Contains("usage: !log [n]", await bot.SayAsync("bob", "!log lots"), StringComparison.Ordinal);
    }

    private static IEnumerable<string> Lines(string posted, string containing) =>
        posted.Split('\n').Where(l => l.Contains(containing, StringComparison.Ordinal));

    private async Task<BotHarness> StartAsync(Action<JsonObject>? edit = null)
    {
        var dir = BotHarness.NewDirectory(edit);
        _dirs.Add(dir);
        var bot = await BotHarness.StartAsync(dir, T0);
        _disposables.Add(bot);
        await bot.PollAllAsync();
        await bot.DeliverAsync();
        return bot;
    }
}
