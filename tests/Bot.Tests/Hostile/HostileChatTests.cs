using ChatOpsReconfig.Bot.Tests.Fixtures;

namespace ChatOpsReconfig.Bot.Tests.Hostile;

/// <summary>
/// The chat part of the hostile-input corpus through the command router of the whole bot (demo fleet, real repos):
/// each line gets a reply with its specific error, the reply is harmless, and nothing changed — <c>!status</c>
/// reads the same before and after, and no rollout started.
/// </summary>
public sealed class HostileChatTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 14, 0, 0, TimeSpan.Zero);
    private BotHarness _bot = null!;

    public async Task InitializeAsync()
    {
        _bot = await BotHarness.StartAsync(BotHarness.NewDirectory(), Now);
        // The first polls and the start-up read of the hosts first: either, landing while the corpus runs, would
        // change !status by itself.
        await _bot.PollAllAsync();
        await _bot.ProbeAsync();
        await _bot.DeliverAsync();
        // State worth protecting: alice's hold, which look-alikes and strangers try to take away.
        Assert.Contains("alice", await _bot.SayAsync("alice", "!lock 1h release train"), StringComparison.Ordinal);
    }

    public async Task DisposeAsync() => await _bot.DisposeAsync();

    [Fact]
    public async Task EveryChatInput_GetsItsSpecificError_AndChangesNothing()
    {
        var before = await _bot.SayAsync("bob", "!status");
        var rollouts = (await _bot.Rollouts.LatestAsync(5, CancellationToken.None)).Count;
        var failures = new List<string>();

        foreach (var e in HostileInputs.Via("chat"))
        {
            var reply = await _bot.SayAsync(e.User ?? "bob", e.Text);
            if (reply.Length == 0 || !reply.Contains(e.Expect, StringComparison.Ordinal))
                failures.Add($"{e.Name}: expected '{e.Expect}', got: {reply}");
            try
            {
                SanitizerCorpus.AssertHarmless(reply, e.Name, maxLength: 2000);
            }
            catch (Xunit.Sdk.XunitException ex)
            {
                failures.Add($"{e.Name}: reply not harmless: {ex.Message}");
            }

            var after = await _bot.SayAsync("bob", "!status");
            if (after != before) failures.Add($"{e.Name}: !status changed:\n{after}");
            if ((await _bot.Rollouts.LatestAsync(5, CancellationToken.None)).Count != rollouts) failures.Add($"{e.Name}: a rollout started");
            before = after;
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {HostileInputs.Via("chat").Count()} chat inputs:\n" + string.Join("\n", failures));
    }
}
