using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>A rollout whose results never reached the outbox (crash, or run by the CLI) is announced at the next start, once.</summary>
public sealed class UnannouncedRolloutTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Start_FinishedButUnannouncedRollout_ResultsPostedOnce()
    {
        var dir = BotHarness.NewDirectory();
        try
        {
            await using (var bot = await BotHarness.StartAsync(dir, T0))
            {
                var id = await bot.Rollouts.InsertAsync(new RolloutRecord
                {
                    State = RolloutState.Failed, StartedAt = T0, FinishedAt = T0.AddMinutes(1), StartedBy = "cli", Reason = "chatops deploy",
                    Hosts = ["bm01"], Summary = "0/1 ok, 1 failed",
                }, CancellationToken.None);
                await bot.Rollouts.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, "bm01"), RolloutId = id, Host = "bm01", Outcome = HostOutcome.Failed, FailedStep = "checkconfig", Error = "checkconfig: exit 1" }, CancellationToken.None);
            }

            await using (var again = await BotHarness.StartAsync(dir, T0.AddMinutes(5)))
            {
                await again.DeliverAsync();
                Assert.Contains("FAILED: rollout #1 failed in 1m: 0/1 ok, 1 failed — bm01 at checkconfig", again.Posted, StringComparison.Ordinal);
                Assert.True((await again.Rollouts.GetAsync(1, CancellationToken.None))!.Announced);
            }

            await using var third = await BotHarness.StartAsync(dir, T0.AddMinutes(6));
            await third.DeliverAsync();
            Assert.DoesNotContain("rollout #1", third.Posted, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
