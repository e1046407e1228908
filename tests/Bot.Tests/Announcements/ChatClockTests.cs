using ChatOpsReconfig.Bot.Tests.Fixtures;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary><c>chat.timeZone</c> from the config file to the replies: every time said carries that zone.</summary>
public sealed class ChatClockTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
    private readonly string _dir = BotHarness.NewDirectory(json => json["chat"]!["timeZone"] = "Europe/Berlin");
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
    public async Task ChatTimeZone_Berlin_LockReplyRefusalAndStatusSayBerlinTime()
    {
        // 14:00 UTC in November is 15:00 in Berlin (CET); the hold runs to 15:30 there.
        var locked = await _bot.SayAsync("alice", "!lock 30m landing");
        var refused = await _bot.SayAsync("bob", "!deploy now");
        var status = await _bot.SayAsync("bob", "!status");

        Assert.Contains("15:30 Europe/Berlin", locked, StringComparison.Ordinal);
        Assert.StartsWith("not deploying: alice holds the lock until 15:30 Europe/Berlin (landing)", refused, StringComparison.Ordinal);
        Assert.Contains("15:30 Europe/Berlin", status, StringComparison.Ordinal);
        foreach (var said in new[] { locked, refused, status }) Assert.DoesNotContain("UTC", said, StringComparison.Ordinal);
    }
}
