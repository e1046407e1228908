using ChatOpsReconfig.Bot.Tests.Fixtures;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>The messages of a rollout as chat shows them, on the demo fleet with a fake clock.</summary>
public sealed class AnnouncementServiceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
    private readonly string _dir = BotHarness.NewDirectory();
    private BotHarness _bot = null!;

    public async Task InitializeAsync()
    {
        _bot = await BotHarness.StartAsync(_dir, T0);
        await _bot.PollAllAsync();
        await _bot.DeliverAsync();
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
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
            var starts = Indexes(lines, $"rollout #{id} started by bob");
            var progress = Indexes(lines, $"rollout #{id}: ");
            var summary = Indexes(lines, $"OK: rollout #{id} succeeded");
            var start = Assert.Single(starts);
            Assert.NotEmpty(progress);
            Assert.All(progress, p => Assert.True(p > start, $"rollout #{id}: progress line {p} before the start message (line {start}):\n{_bot.Posted}"));
            Assert.True(Assert.Single(summary) > progress.Max(), _bot.Posted);
            Assert.DoesNotContain(lines, l => l.Contains("starting on", StringComparison.Ordinal));
        }
    }

    private static List<int> Indexes(List<string> lines, string contains) =>
        lines.Select((l, i) => (l, i)).Where(x => x.l.Contains(contains, StringComparison.Ordinal)).Select(x => x.i).ToList();
}
