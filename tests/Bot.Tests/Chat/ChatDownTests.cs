using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Outbox;

namespace ChatOpsReconfig.Bot.Tests.Chat;

/// <summary>
/// Chat down for a minute: merges land and a rollout runs and finishes while nothing can be posted, and the bot is
/// restarted while chat is still down. Once chat is back every message is delivered, in order, exactly once.
/// </summary>
public sealed class ChatDownTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
    private readonly string _dir = BotHarness.NewDirectory();
    private readonly FlakyChatOutput _chat = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

    [Fact]
    public async Task ChatDownDuringMergesAndARollout_AndARestart_EveryMessageDeliveredAfterInOrderOnce()
    {
        var bot = await BotHarness.StartAsync(_dir, T0, _chat);
        await bot.PollAllAsync();
        await bot.DeliverAsync();
        Assert.Equal(1, Count(_chat.Text, "ChatOpsReconfig is here"));
        var before = _chat.Text;

        _chat.Broken = true;
        var configs = bot.Push("buildbot-configs", "Bug 1040013 - configs half");
        bot.Push("tools", "Bug 1040013 - tools half");
        await bot.PollAllAsync();
        Assert.Equal("", await bot.SayAsync("alice", "!deploy now"));
        await bot.Coordinator.WhenIdleAsync();
        for (var i = 0; i < 4; i++)
        {
            await bot.DeliverAsync();
            bot.Time.Advance(TimeSpan.FromSeconds(15));
        }

        Assert.Equal(before, _chat.Text);
        Assert.Equal(configs, bot.OnDisk("bm01", "buildbot-configs"));
        await bot.DisposeAsync();

        // Restarted while chat is still down: the new process says hello, and that waits behind the rest too.
        bot = await BotHarness.StartAsync(_dir, T0.AddMinutes(1), _chat);
        try
        {
            await bot.PollAllAsync();
            await bot.DeliverAsync();
            Assert.Equal(before, _chat.Text);

            _chat.Broken = false;
            await bot.DeliverAsync();

            var after = _chat.Text[before.Length..];
            var outbox = bot.Get<IOutboxStore>();
            Assert.Empty(await outbox.PendingAsync(OutboxKinds.Chat, CancellationToken.None));
            var sent = (await outbox.ListAsync(OutboxKinds.Chat, OutboxState.Sent, 1000, CancellationToken.None)).OrderBy(e => e.Id).ToList();
            // Exactly what the outbox holds as sent, in its order: nothing lost, nothing twice.
            var expected = string.Concat(sent.Select(e => Bot.Announcements.ChatOutbox.Read(e))
                .SelectMany(m => m.Text.Split('\n').Select(l => $"[#{m.Channel}] {l}\n")));
            Assert.Equal(expected, _chat.Text);

            string[] story =
            [
                "buildbot-configs production: 1 commit by Alice Releng — Bug 1040013",
                "tools production: 1 commit by Alice Releng — Bug 1040013",
                "rollout #1 started by alice",
                "rollout #1 succeeded",
                "ChatOpsReconfig is here",
            ];
            var at = story.Select(s => after.IndexOf(s, StringComparison.Ordinal)).ToList();
            Assert.All(at, i => Assert.True(i >= 0, after));
            Assert.Equal(at.Order(), at);
            Assert.All(story, s => Assert.Equal(1, Count(after, s)));
        }
        finally
        {
            await bot.DisposeAsync();
        }
    }
}
