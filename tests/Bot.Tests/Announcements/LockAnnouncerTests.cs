using ChatOpsReconfig.Bot.Tests.Fixtures;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>What is said when a hold runs out, on the demo fleet with a fake clock.</summary>
public sealed class LockAnnouncerTests : IAsyncLifetime
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
    public async Task HoldExpired_ConsoleUserYou_SaysYourDeployLockExpired()
    {
        Assert.Contains("you hold the deploy lock", await _bot.SayAsync("you", "!lock 1h waiting for review"), StringComparison.Ordinal);

        _bot.Time.Advance(TimeSpan.FromMinutes(61));
        await _bot.TickAsync();

        var expired = Assert.Single(_bot.Posted.Split('\n'), l => l.Contains("deploy lock expired", StringComparison.Ordinal));
        Assert.Contains("your deploy lock expired (waiting for review)", expired, StringComparison.Ordinal);
        Assert.DoesNotContain("you's", _bot.Posted, StringComparison.Ordinal);
    }
}
