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
        Assert.Empty(bot.Rollouts.Latest(5));
        var refused = await bot.SayAsync("alice", "!deploy now");
        Assert.Contains($"commit {rev[..12]} (Alice Releng)", refused, StringComparison.Ordinal);
        Assert.Contains("run migrate.sh", refused, StringComparison.Ordinal);
        Assert.Empty(bot.Rollouts.Latest(5));

        Assert.Contains("released", await bot.SayAsync("bob", "!unlock commit"), StringComparison.Ordinal);
        await bot.TickAsync();
        var rollout = Assert.Single(bot.Rollouts.Latest(5));
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
        var rollout = bot.Rollouts.Latest(1)[0];

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
        Assert.Equal(0, MaintenanceLogVerb.Write(bot.Get<ChatOpsReconfig.Bot.Web.MaintenanceLog>(), "7d", "markdown", markdown, bot.Time, bot.Get<ChatOpsReconfig.Bot.Hosting.BotOptions>()));
        Assert.Contains($"rollout #{rollout.Id} succeeded", markdown.ToString(), StringComparison.Ordinal);
        Assert.Contains("[bug 1040013](https://bugzilla.mozilla.org/show_bug.cgi?id=1040013)", markdown.ToString(), StringComparison.Ordinal);
        var json = new StringWriter();
        Assert.Equal(0, MaintenanceLogVerb.Write(bot.Get<ChatOpsReconfig.Bot.Web.MaintenanceLog>(), "7d", "json", json, bot.Time, bot.Get<ChatOpsReconfig.Bot.Hosting.BotOptions>()));
        var entry = JsonNode.Parse(json.ToString())!.AsArray().Single()!;
        Assert.Equal(rollout.Id, entry["rolloutId"]!.GetValue<int>());
        var old = new StringWriter();
        bot.Time.Advance(TimeSpan.FromDays(8));
        Assert.Equal(0, MaintenanceLogVerb.Write(bot.Get<ChatOpsReconfig.Bot.Web.MaintenanceLog>(), "7d", "json", old, bot.Time, bot.Get<ChatOpsReconfig.Bot.Hosting.BotOptions>()));
        Assert.Empty(JsonNode.Parse(old.ToString())!.AsArray());
        Assert.Equal(2, MaintenanceLogVerb.Write(bot.Get<ChatOpsReconfig.Bot.Web.MaintenanceLog>(), "7d", "html", old, bot.Time, bot.Get<ChatOpsReconfig.Bot.Hosting.BotOptions>()));
        File.Delete(keyFile);
    }

    [Fact]
    public async Task StatusBugs_WithoutTrackers_SaysSo_AndLogBeforeAnyRollout()
    {
        var bot = await StartAsync();
        Assert.Contains("no bug trackers configured", await bot.SayAsync("bob", "!status bugs"), StringComparison.Ordinal);
        Assert.Contains("no rollout has finished yet", await bot.SayAsync("bob", "!log"), StringComparison.Ordinal);
        Assert.Contains("usage: !log [n]", await bot.SayAsync("bob", "!log lots"), StringComparison.Ordinal);
    }

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
