using ChatOpsReconfig.Bot.Tests.Fixtures;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>
/// What a console user reads, on the demo fleet with a fake clock: sentences that work for <c>you</c>, a rollout's
/// messages in order, and times in <c>chat.timeZone</c>.
/// </summary>
public sealed class ConsoleVoiceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
    private readonly List<string> _dirs = [];
    private BotHarness _bot = null!;

    public async Task InitializeAsync() => _bot = await StartAsync();

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        foreach (var dir in _dirs) Directory.Delete(dir, recursive: true);
    }

    /// <summary>A bot on a fresh copy of the demo config (edited by <paramref name="edit"/>) that has read its baselines.</summary>
    private async Task<BotHarness> StartAsync(Action<System.Text.Json.Nodes.JsonObject>? edit = null)
    {
        var dir = BotHarness.NewDirectory(edit);
        _dirs.Add(dir);
        var bot = await BotHarness.StartAsync(dir, T0);
        await bot.PollAllAsync();
        await bot.DeliverAsync();
        return bot;
    }

    [Fact]
    public async Task HoldExpired_ConsoleUserYou_SaysYourDeployLockExpired()
    {
        Assert.Contains("you hold the deploy lock", await _bot.SayAsync("you", "!lock 1h waiting for review"), StringComparison.Ordinal);

        _bot.Time.Advance(TimeSpan.FromMinutes(61));
        await _bot.TickAsync();

        var expired = Assert.Single(_bot.Posted.Split('\n'), l => l.Contains("deploy lock expired", StringComparison.Ordinal));
        Assert.Contains("your deploy lock expired (waiting for review)", expired, StringComparison.Ordinal);
        Assert.DoesNotContain("you's", _bot.Posted, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollouts_OneStartMessageEach_PostedBeforeTheirProgressAndSummary()
    {
        for (var id = 1; id <= 3; id++)
        {
            if (id > 1) _bot.Push("tools", $"tools change {id}");
            await _bot.PollAllAsync();
            Assert.Equal("", await _bot.SayAsync("bob", "!deploy now")); // the start message is the answer
            await _bot.Coordinator.WhenIdleAsync();
            await _bot.DeliverAsync();

            var lines = _bot.Posted.Split('\n').ToList();
            var start = Assert.Single(Indexes(lines, $"rollout #{id} started by bob"));
            var progress = Indexes(lines, $"rollout #{id}: ");
            Assert.NotEmpty(progress);
            Assert.All(progress, p => Assert.True(p > start, $"rollout #{id}: progress line {p} before the start message (line {start}):\n{_bot.Posted}"));
            Assert.True(Assert.Single(Indexes(lines, $"OK: rollout #{id} succeeded")) > progress.Max(), _bot.Posted);
            Assert.DoesNotContain(lines, l => l.Contains("starting on", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ChatTimeZone_Berlin_LockReplyRefusalAndStatusSayBerlinTime()
    {
        await using var berlin = await StartAsync(json => json["chat"]!["timeZone"] = "Europe/Berlin");

        // 14:00 UTC in November is 15:00 in Berlin (CET); the hold runs to 15:30 there.
        var locked = await berlin.SayAsync("alice", "!lock 30m landing");
        var refused = await berlin.SayAsync("bob", "!deploy now");
        var status = await berlin.SayAsync("bob", "!status");

        Assert.Contains("15:30 Europe/Berlin", locked, StringComparison.Ordinal);
        Assert.StartsWith("not deploying: alice holds the lock until 15:30 Europe/Berlin (landing)", refused, StringComparison.Ordinal);
        Assert.Contains("15:30 Europe/Berlin", status, StringComparison.Ordinal);
        foreach (var said in new[] { locked, refused, status }) Assert.DoesNotContain("UTC", said, StringComparison.Ordinal);
    }

    private static List<int> Indexes(List<string> lines, string contains) =>
        lines.Select((l, i) => (l, i)).Where(x => x.l.Contains(contains, StringComparison.Ordinal)).Select(x => x.i).ToList();
}
