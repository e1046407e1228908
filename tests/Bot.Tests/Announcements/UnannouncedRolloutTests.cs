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
                var id = bot.Rollouts.Insert(new RolloutRecord
                {
                    State = RolloutState.Failed, StartedAt = T0, FinishedAt = T0.AddMinutes(1), StartedBy = "cli", Trigger = RolloutTrigger.Cli,
                    Hosts = ["bm01"], Tally = new RolloutTally { Total = 1, Failed = 1 },
                });
                bot.Rollouts.SaveHost(new HostResult { Id = HostResult.MakeId(id, "bm01"), RolloutId = id, Host = "bm01", Outcome = HostOutcome.Failed, FailedStep = "checkconfig", Failure = new HostFailure { Kind = HostFailureKind.Step, Step = "checkconfig", StepStatus = StepStatus.Failed, Detail = "exit 1" } });
            }

            await using (var again = await BotHarness.StartAsync(dir, T0.AddMinutes(5)))
            {
                await again.DeliverAsync();
                Assert.Contains("FAILED: rollout #1 failed in 1m: 0/1 ok, 1 failed — bm01 at checkconfig", again.Posted, StringComparison.Ordinal);
                Assert.True(again.Rollouts.Get(1)!.Announced);
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
