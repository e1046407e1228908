using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>
/// Events saved but not announced before the bot stopped (a crash, or a rollout run by the CLI) are announced at the
/// next start, once; what was announced before a restart is never announced again.
/// </summary>
public sealed class AnnounceReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);

    private static int Count(string text, string part) => text.Split(part).Length - 1;

    [Fact]
    public async Task Start_FinishedButUnannouncedRollout_StartAndResultsPostedOnce()
    {
        var dir = BotHarness.NewDirectory();
        try
        {
            await using (var bot = await BotHarness.StartAsync(dir, T0))
            {
                // As the CLI does while the bot is away: the ended rollout is saved, nobody announces it.
                var id = (await bot.Rollouts.InsertAsync(new RolloutRecord
                {
                    State = RolloutState.Failed, StartedAt = T0, FinishedAt = T0.AddMinutes(1), StartedBy = "cli", Trigger = RolloutTrigger.Cli,
                    Hosts = ["bm01"], Tally = new RolloutTally { Total = 1, Failed = 1 },
                }, CancellationToken.None));
                await bot.Rollouts.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, "bm01"), RolloutId = id, Host = "bm01", Outcome = HostOutcome.Failed, FailedStep = "checkconfig", Failure = new HostFailure { Kind = HostFailureKind.Step, Step = "checkconfig", StepStatus = StepStatus.Failed, Detail = "exit 1" } }, CancellationToken.None);
                await bot.DeliverAsync();
                Assert.DoesNotContain("rollout #1", bot.Posted, StringComparison.Ordinal);
            }

            const string Results = "FAILED: rollout #1 failed in 1m: 0/1 ok, 1 failed — bm01 at checkconfig";
            await using (var again = await BotHarness.StartAsync(dir, T0.AddMinutes(5)))
            {
                await again.DeliverAsync();
                var started = RolloutMessages.Started((await again.Rollouts.GetAsync(1, CancellationToken.None))!).Split('\n')[0]; // the console prefixes each line
                Assert.Equal(1, Count(again.Posted, started));
                Assert.Equal(1, Count(again.Posted, Results));
                Assert.True(again.Posted.IndexOf(started, StringComparison.Ordinal) < again.Posted.IndexOf(Results, StringComparison.Ordinal));
                var entry = await again.Service<IOutboxStore>().FindAsync(OutboxKinds.Announce, "rollout:1", CancellationToken.None);
                Assert.Equal(OutboxState.Sent, entry!.State);
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

    [Fact]
    public async Task Start_MergeRecordedButNotAnnounced_AnnouncedOnceAfterTheRestart()
    {
        var dir = BotHarness.NewDirectory();
        try
        {
            const string Summary = "Bug 424242 - lands just before the crash";
            await using (var bot = await BotHarness.StartAsync(dir, T0))
            {
                await bot.PollAllAsync(); // baselines
                await bot.DeliverAsync();
                var head = bot.Push("tools", Summary);
                // The watcher saved the merge, then the bot died before publishing it.
                var repos = bot.Service<IRepoStore>();
                var state = (await repos.GetStateAsync("tools", CancellationToken.None))!;
                await repos.RecordMergeAsync(
                    new Merge
                    {
                        Repo = "tools", Branch = state.Branch, Kind = MergeKind.Push, OldHead = state.Head, NewHead = head, DetectedAt = T0, TotalCommits = 1, Bugs = [424242],
                        Commits = [new Commit { Rev = head, Author = "Alice Releng", Summary = Summary, Message = Summary, Bugs = [424242] }],
                    },
                    state with { Head = head, LastPushAt = T0 }, CancellationToken.None);
                await bot.DeliverAsync();
                Assert.DoesNotContain(Summary, bot.Posted, StringComparison.Ordinal);
            }

            await using (var again = await BotHarness.StartAsync(dir, T0.AddMinutes(5)))
            {
                await again.DeliverAsync();
                Assert.Equal(1, Count(again.Posted, Summary));
                await again.PollAllAsync(); // the head is the saved one: nothing new
                await again.DeliverAsync();
                Assert.Equal(1, Count(again.Posted, Summary));
            }

            await using var third = await BotHarness.StartAsync(dir, T0.AddMinutes(6));
            await third.DeliverAsync();
            Assert.DoesNotContain(Summary, third.Posted, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Start_RepoUnreachableSavedButNotAnnounced_AnnouncedOnceAfterTheRestartThenRecoveryOnce()
    {
        var dir = BotHarness.NewDirectory();
        try
        {
            const string Lost = "cannot reach repo tools since";
            const string Back = "repo tools is reachable again";
            await using (var bot = await BotHarness.StartAsync(dir, T0))
            {
                await bot.PollAllAsync(); // baselines
                await bot.DeliverAsync();
                // The poll that crossed the threshold saved the state with its announce entry, then the bot died before publishing it.
                var repos = bot.Service<IRepoStore>();
                var state = (await repos.GetStateAsync("tools", CancellationToken.None))!;
                var since = T0.AddMinutes(-3);
                var failure = new RepoFailure { Kind = RepoFailureKind.RemoteFailed, Command = "git fetch", Detail = "fatal: repository not found" };
                await repos.SaveStateAsync(
                    state with { LastPollOk = false, LastPollAt = T0, StatusSince = since, ConsecutiveFailures = 2, LastFailure = failure },
                    new RepoUnreachable("tools", failure, since, 2), CancellationToken.None);
                await bot.DeliverAsync();
                Assert.DoesNotContain(Lost, bot.Posted, StringComparison.Ordinal);
            }

            var upstream = BotHarness.NewDirectory(); // somewhere to park the remote while it is "down"
            var parked = Path.Combine(upstream, "tools-parked");
            await using (var again = await BotHarness.StartAsync(dir, T0.AddMinutes(5)))
            {
                await again.DeliverAsync();
                Assert.Equal(1, Count(again.Posted, Lost));
                Assert.Contains("(2 failed polls): fatal: repository not found. Retrying with backoff; I will say when it is back", again.Posted, StringComparison.Ordinal);

                // Still down: the watcher counts on and says nothing more; back: one recovery message.
                Directory.Move(again.Upstream("tools"), parked);
                Assert.Equal(PollOutcome.Failed, (await again.Watcher.PollNowAsync("tools")).Outcome);
                await again.DeliverAsync();
                Assert.Equal(1, Count(again.Posted, Lost));
                Directory.Move(parked, again.Upstream("tools"));
                await again.PollAllAsync();
                await again.DeliverAsync();
                Assert.Equal(1, Count(again.Posted, Back));
                Assert.Empty(await again.Service<IOutboxStore>().PendingAsync(OutboxKinds.Announce, CancellationToken.None));
            }

            Directory.Delete(upstream, recursive: true);
            await using var third = await BotHarness.StartAsync(dir, T0.AddMinutes(6));
            await third.DeliverAsync();
            Assert.DoesNotContain(Lost, third.Posted, StringComparison.Ordinal);
            Assert.DoesNotContain(Back, third.Posted, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Start_RepoRecoverySavedButNotAnnounced_AnnouncedOnceAfterTheRestart()
    {
        var dir = BotHarness.NewDirectory();
        try
        {
            const string Back = "repo tools is reachable again (unreachable since";
            await using (var bot = await BotHarness.StartAsync(dir, T0))
            {
                await bot.PollAllAsync();
                var repos = bot.Service<IRepoStore>();
                var state = (await repos.GetStateAsync("tools", CancellationToken.None))!;
                // The outage was announced; the poll that found the repo again saved its recovery, then the bot died.
                var since = T0.AddMinutes(-30);
                var lost = new RepoUnreachable("tools", new RepoFailure { Kind = RepoFailureKind.TimedOut, Command = "git fetch", TimeoutSeconds = 60 }, since, 2);
                await repos.SaveStateAsync(state with { LastPollOk = false, StatusSince = since, ConsecutiveFailures = 2 }, lost, CancellationToken.None);
                bot.Service<Deployer.Events.DeployerEvents>().Publish(lost);
                await bot.DeliverAsync();
                await repos.SaveStateAsync(state with { LastPollOk = true, StatusSince = T0, ConsecutiveFailures = 0 }, new RepoRecovered("tools", since, T0), CancellationToken.None);
                await bot.DeliverAsync();
                Assert.Equal(1, Count(bot.Posted, "cannot reach repo tools"));
                Assert.DoesNotContain(Back, bot.Posted, StringComparison.Ordinal);
            }

            await using (var again = await BotHarness.StartAsync(dir, T0.AddMinutes(5)))
            {
                await again.DeliverAsync();
                Assert.Equal(1, Count(again.Posted, Back));
                Assert.Contains(", 30m)", again.Posted, StringComparison.Ordinal);
                Assert.DoesNotContain("cannot reach repo tools", again.Posted, StringComparison.Ordinal);
                await again.PollAllAsync();
                await again.DeliverAsync();
                Assert.Equal(1, Count(again.Posted, Back));
            }

            await using var third = await BotHarness.StartAsync(dir, T0.AddMinutes(6));
            await third.DeliverAsync();
            Assert.DoesNotContain(Back, third.Posted, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Restart_AfterMergeAndRolloutWereDelivered_AnnouncesNothingAgain()
    {
        var dir = BotHarness.NewDirectory();
        try
        {
            const string Summary = "Bug 515151 - announced before the restart";
            await using (var bot = await BotHarness.StartAsync(dir, T0))
            {
                await bot.PollAllAsync();
                bot.Push("tools", Summary);
                await bot.PollAllAsync();
                await bot.DeliverAsync();
                Assert.Equal(1, Count(bot.Posted, Summary));
                var id = (await bot.Rollouts.InsertAsync(new RolloutRecord { StartedAt = T0, StartedBy = "alice", Hosts = ["bm01"] }, CancellationToken.None));
                var finished = (await bot.Rollouts.GetAsync(id, CancellationToken.None))! with { State = RolloutState.Succeeded, FinishedAt = T0.AddMinutes(1), Tally = new RolloutTally { Total = 1, Ok = 1 } };
                await bot.Rollouts.UpdateAsync(finished, CancellationToken.None);
                bot.Service<Deployer.Events.DeployerEvents>().Publish(new RolloutFinished(finished, (await bot.Rollouts.GetHostsAsync(id, CancellationToken.None))));
                await bot.DeliverAsync();
                Assert.Contains($"rollout #{id}", bot.Posted, StringComparison.Ordinal);
            }

            await using var again = await BotHarness.StartAsync(dir, T0.AddMinutes(5));
            await again.DeliverAsync();
            Assert.DoesNotContain(Summary, again.Posted, StringComparison.Ordinal);
            Assert.DoesNotContain("rollout #", again.Posted, StringComparison.Ordinal);
            Assert.Empty(await again.Service<IOutboxStore>().PendingAsync(OutboxKinds.Announce, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
