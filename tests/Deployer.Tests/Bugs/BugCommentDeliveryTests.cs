using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Tests.Bugs;

public sealed class BugCommentDeliveryTests
{
    [Fact]
    public async Task RolloutNamingTwoBugs_LeavesExactlyOneCommentOnEach()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456, 456789));
        var rollout = await h.FinishAsync(["Bug 123456 - teach the masters to reconfig", "Bug 456789 - new foopy", "Bug 123456 follow-up: typo"]);

        Assert.Equal(2, await h.FinishAndDeliverAsync(rollout));
        // Planning the same rollout again (a replayed event, a restart) adds nothing.
        Assert.Equal(0, await h.Planner.PlanAsync(rollout, (await h.Rollouts.GetHostsAsync(rollout.Id, CancellationToken.None)), CancellationToken.None));
        Assert.Equal(0, await h.DeliverAsync());

        var first = Assert.Single(h.Tracker.CommentsOn(123456));
        var second = Assert.Single(h.Tracker.CommentsOn(456789));
        Assert.StartsWith($"Deployed by chatops rollout #{rollout.Id} to all 4 hosts.", first, StringComparison.Ordinal);
        Assert.Contains("teach the masters to reconfig (alice)", first, StringComparison.Ordinal);
        Assert.Contains("follow-up: typo", first, StringComparison.Ordinal);
        Assert.DoesNotContain("new foopy", first, StringComparison.Ordinal);
        Assert.Contains("<https://github.com/example/configs/commit/", first, StringComparison.Ordinal);
        Assert.Contains($"http://chatops.test:8080/rollouts/{rollout.Id}", first, StringComparison.Ordinal);
        Assert.EndsWith($"[chatops rollout #{rollout.Id}]", second, StringComparison.Ordinal);
        Assert.Equal(0, h.Tracker.Unauthorized);
        Assert.All(await h.Outbox.RecentAsync(10, CancellationToken.None), e => Assert.Equal(BugCommentState.Sent, e.State));
    }

    [Fact]
    public async Task TrackerDownForTheFirstFiveRequests_IsDeliveredLaterOnce()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        h.Tracker.FailNext(5);
        var rollout = await h.FinishAsync(["Bug 123456 - thing"]);

        Assert.Equal(0, await h.FinishAndDeliverAsync(rollout)); // try 1: GET 500, Polly's retry 500
        Assert.Equal(2, h.Tracker.Requests);
        Assert.Equal(0, await h.DeliverAsync()); // not due yet: nothing is sent
        Assert.Equal(2, h.Tracker.Requests);

        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await h.DeliverAsync()); // try 2: 500, 500
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await h.DeliverAsync()); // backoff doubled: 2 minutes
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await h.DeliverAsync()); // try 3: 500, then the marker check and the POST

        Assert.Single(h.Tracker.CommentsOn(123456));
        var entry = (await h.EntryAsync(123456, rollout.Id))!;
        Assert.Equal(BugCommentState.Sent, entry.State);
        Assert.Equal(3, entry.Attempts);
        h.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await h.DeliverAsync());
        Assert.Single(h.Tracker.CommentsOn(123456));
    }

    [Fact]
    public async Task RateLimited_ShortRetryAfterIsWaitedOutInTheTry_ALongOneByTheOutbox()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456, 456789));
        h.Tracker.FailNext(1, 429, retryAfterSeconds: 0);
        var first = await h.FinishAsync(["Bug 123456 - thing"]);
        Assert.Equal(1, await h.FinishAndDeliverAsync(first)); // GET 429, GET again, POST
        Assert.Equal(3, h.Tracker.Requests);

        h.Tracker.FailNext(1, 429, retryAfterSeconds: 600);
        var second = await h.FinishAsync(["Bug 456789 - other thing"]);
        Assert.Equal(0, await h.FinishAndDeliverAsync(second)); // longer than a try waits: not retried here
        Assert.Equal(4, h.Tracker.Requests);
        var entry = (await h.EntryAsync(456789, second.Id))!;
        Assert.Equal(new TrackerProblem(TrackerAnswer.Http, 429, "rate limited"), entry.LastProblem);
        Assert.Equal(h.Time.GetUtcNow() + TimeSpan.FromMinutes(10), entry.NextAttemptAt); // not the 1 min backoff
        h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, await h.DeliverAsync());
        Assert.Single(h.Tracker.CommentsOn(456789));
    }

    [Fact]
    public async Task OtherClientError_IsNotRetried_TheCommentIsGivenUp()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        h.Tracker.FailNext(1, 400);
        var rollout = await h.FinishAsync(["Bug 123456 - thing"]);

        Assert.Equal(0, await h.FinishAndDeliverAsync(rollout));
        Assert.Equal(1, h.Tracker.Requests);
        h.Time.Advance(TimeSpan.FromHours(3));
        Assert.Equal(0, await h.DeliverAsync());
        Assert.Equal(1, h.Tracker.Requests);
        var entry = (await h.EntryAsync(123456, rollout.Id))!;
        Assert.Equal(BugCommentState.Failed, entry.State);
        Assert.Equal(BugCommentDropReason.Refused, entry.Dropped?.Reason);
        Assert.Equal((TrackerAnswer.Http, 400), (entry.Dropped?.Problem?.Answer, entry.Dropped?.Problem?.Status));
    }

    [Fact]
    public async Task LostAnswerToThePost_NextTryFindsTheMarkerAndDoesNotPostAgain()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        h.Tracker.LoseNextPostAnswer();
        var rollout = await h.FinishAsync(["Bug 123456 - thing"]);

        Assert.Equal(0, await h.FinishAndDeliverAsync(rollout));
        Assert.Single(h.Tracker.CommentsOn(123456)); // it did land; the bot does not know
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await h.DeliverAsync());

        Assert.Single(h.Tracker.CommentsOn(123456));
        Assert.Equal(BugCommentDelivered.FoundOnBug, (await h.EntryAsync(123456, rollout.Id))!.Delivered);
    }

    [Fact]
    public async Task KilledBetweenThePostAndTheStoreUpdate_AfterRestartStillOneComment()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        h.Tracker.HoldAfterNextPost();
        var posted = h.Tracker.PostRecorded!.Task;
        var rollout = await h.FinishAsync(["Bug 123456 - thing"]);
        await h.Planner.PlanAsync(rollout, (await h.Rollouts.GetHostsAsync(rollout.Id, CancellationToken.None)), CancellationToken.None);
        using var kill = new CancellationTokenSource();
        var delivering = h.DeliverAsync(kill.Token);

        await posted.WaitAsync(TimeSpan.FromSeconds(30));
        await kill.CancelAsync(); // the process dies while the POST's answer is on its way
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delivering);
        h.Restart();

        var entry = (await h.EntryAsync(123456, rollout.Id))!;
        Assert.Equal(BugCommentState.Pending, entry.State);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await h.DeliverAsync());
        Assert.Single(h.Tracker.CommentsOn(123456));
        Assert.Equal(BugCommentState.Sent, (await h.Outbox.FindAsync(entry.Key, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task MissingBug_IsReportedOnceAndDropped()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        var reader = h.Events.Subscribe();
        var rollout = await h.FinishAsync(["Bug 123456 - real", "Bug 999999 - typo in the bug number"]);

        Assert.Equal(1, await h.FinishAndDeliverAsync(rollout));
        var requests = h.Tracker.Requests;
        h.Time.Advance(TimeSpan.FromHours(3));
        Assert.Equal(0, await h.DeliverAsync());

        Assert.Equal(requests, h.Tracker.Requests); // not retried
        Assert.False(h.Tracker.Comments.ContainsKey(999999));
        var dropped = Assert.IsType<BugCommentDropped>(Assert.Single(Drain(reader)));
        Assert.Equal(999999, dropped.Entry.Bug);
        Assert.Equal(BugCommentDropReason.BugMissing, dropped.Drop.Reason);
        Assert.Equal(BugCommentState.Failed, (await h.Outbox.FindAsync(dropped.Entry.Key, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task FirstRolloutInterruptedByACrash_IsCommentedAtTheRestart()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        Assert.Equal(0, await h.Planner.CatchUpAfterRestartAsync(CancellationToken.None)); // the first start: no rollout yet
        var first = await h.FinishAsync(["Bug 123456 - thing"], ("bm01", HostOutcome.Ok, null), ("bm02", HostOutcome.Failed, "reconfig"));
        await h.Rollouts.UpdateAsync(first with { State = RolloutState.Interrupted }, CancellationToken.None);
        h.Restart(); // killed mid-rollout: the restart marked it interrupted; nothing planned it

        Assert.Equal(1, await h.Planner.CatchUpAfterRestartAsync(CancellationToken.None));
        Assert.Equal(1, await h.DeliverAsync());
        var text = Assert.Single(h.Tracker.CommentsOn(123456));
        Assert.StartsWith($"Deployed by chatops rollout #{first.Id} to 1 of 2 hosts.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RolloutLeftRunningByACrash_SeenRunningByTheCatchUp_IsCommentedOnceWhenMarkedInterrupted()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        Assert.Equal(0, await h.Planner.CatchUpAfterRestartAsync(CancellationToken.None)); // the first start: no rollout yet
        var first = await h.FinishAsync(["Bug 123456 - thing"], ("bm01", HostOutcome.Ok, null), ("bm02", HostOutcome.Failed, "reconfig"));
        await h.Rollouts.UpdateAsync(first with { State = RolloutState.Running }, CancellationToken.None);
        h.Restart();

        // The restart's catch-up runs beside the start-up, which marks the rollout interrupted after it looked.
        Assert.Equal(0, await h.Planner.CatchUpAfterRestartAsync(CancellationToken.None));
        var marked = first with { State = RolloutState.Interrupted };
        await h.Rollouts.UpdateAsync(marked, CancellationToken.None);
        h.Events.Publish(new RolloutInterrupted(marked, ["bm02"]));
        Assert.Equal(1, await h.Delivery.PlanFinishedAsync(CancellationToken.None));
        h.Events.Publish(new RolloutInterrupted(marked, ["bm02"])); // announced again after another restart
        Assert.Equal(0, await h.Delivery.PlanFinishedAsync(CancellationToken.None));

        Assert.Equal(1, await h.DeliverAsync());
        var text = Assert.Single(h.Tracker.CommentsOn(123456));
        Assert.StartsWith($"Deployed by chatops rollout #{first.Id} to 1 of 2 hosts.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FirstStartWithBugs_OnAStoreWithRollouts_CommentsNoneOfThem()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        await h.FinishAsync(["Bug 123456 - before the bugs section"]);

        Assert.Equal(0, await h.Planner.CatchUpAfterRestartAsync(CancellationToken.None));
        Assert.Equal(0, await h.Planner.CatchUpAfterRestartAsync(CancellationToken.None));
        Assert.Equal(0, await h.DeliverAsync());
        Assert.Empty(h.Tracker.CommentsOn(123456));
    }

    [Fact]
    public async Task PartialRollout_SaysWhichHostsMissed_ThenTheCatchUpComment()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        var first = await h.FinishAsync(
            ["Bug 123456 - thing"],
            ("bm01", HostOutcome.Ok, null), ("bm02", HostOutcome.Ok, null), ("bm03", HostOutcome.Failed, "checkconfig"), ("bm04", HostOutcome.Unreachable, null));
        Assert.Equal(1, await h.FinishAndDeliverAsync(first));
        var text = Assert.Single(h.Tracker.CommentsOn(123456));
        Assert.Contains("to 2 of 4 hosts", text, StringComparison.Ordinal);
        Assert.Contains("Not deployed yet: bm03 failed at checkconfig, bm04 unreachable.", text, StringComparison.Ordinal);

        // Only bm03 catches up: no comment yet.
        Assert.Equal(0, await h.FinishAndDeliverAsync(await h.FinishAsync([], ("bm03", HostOutcome.Ok, null), ("bm04", HostOutcome.Unreachable, null))));
        var last = await h.FinishAsync([], ("bm04", HostOutcome.Ok, null));
        Assert.Equal(1, await h.FinishAndDeliverAsync(last));

        Assert.Equal(2, h.Tracker.CommentsOn(123456).Count);
        var catchUp = h.Tracker.CommentsOn(123456)[1];
        Assert.StartsWith($"Now deployed to all 4 hosts of rollout #{first.Id}: bm03, bm04 caught up in rollout #{last.Id}", catchUp, StringComparison.Ordinal);
        Assert.EndsWith($"[chatops rollout #{last.Id}]", catchUp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowTracker_TimesOutAndIsRetriedLater()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        var arrivals = System.Threading.Channels.Channel.CreateUnbounded<string>();
        h.Tracker.Arrived += r => arrivals.Writer.TryWrite(r);
        h.Tracker.Hold();
        var rollout = await h.FinishAsync(["Bug 123456 - thing"]);
        await h.Planner.PlanAsync(rollout, (await h.Rollouts.GetHostsAsync(rollout.Id, CancellationToken.None)), CancellationToken.None);
        var delivering = h.DeliverAsync();

        for (var i = 0; i < 2; i++) // the try and Polly's retry each wait out the 30 s timeout
        {
            await arrivals.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            h.Time.Advance(TimeSpan.FromSeconds(31));
        }

        Assert.Equal(0, await delivering.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(new TrackerProblem(TrackerAnswer.NoAnswer), (await h.EntryAsync(123456, rollout.Id))!.LastProblem);
        h.Tracker.Release();
        h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await h.DeliverAsync());
        Assert.Single(h.Tracker.CommentsOn(123456));
    }

    [Fact]
    public async Task GitHubIssues_CommentOnceWithTheToken_AndAWrongTokenAlarmsOnce()
    {
        await using var h = new BugsHarness(await FakeGitHubIssues.StartAsync("example/configs", 42, 43), github: true);
        var rollout = await h.FinishAsync(["Fix the reconfig race (fixes #42)", "See #43 too; not an issue: abc#44"]);
        Assert.Equal(2, await h.FinishAndDeliverAsync(rollout));
        Assert.Single(h.Tracker.CommentsOn(42));
        Assert.Single(h.Tracker.CommentsOn(43));
        Assert.Contains("https://github.com/example/configs/commit/", h.Tracker.CommentsOn(42)[0], StringComparison.Ordinal);

        h.Secret = "wrong";
        h.Restart();
        var reader = h.Events.Subscribe();
        var next = await h.FinishAsync(["Follow-up for #42"]);
        await h.FinishAndDeliverAsync(next);
        for (var i = 0; i < 4; i++)
        {
            h.Time.Advance(TimeSpan.FromHours(1));
            await h.DeliverAsync();
        }

        Assert.True(h.Tracker.Unauthorized >= 5);
        Assert.Single(h.Tracker.CommentsOn(42));
        var alarm = Assert.IsType<BugTrackerFailing>(Assert.Single(Drain(reader)));
        Assert.Equal((TrackerAnswer.Http, 401), (alarm.Problem.Answer, alarm.Problem.Status));
        Assert.DoesNotContain(h.Tracker.Secret, alarm.Problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(BugCommentState.Pending, (await h.EntryAsync(42, next.Id))!.State);
    }

    [Fact]
    public async Task TrackerFailing_AlarmsOnce_NotAgainAfterARestart_ThenRecoversOnce()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456));
        var reader = h.Events.Subscribe();
        h.Tracker.FailNext(1000);
        var rollout = await h.FinishAsync(["Bug 123456 - thing"]);
        await h.FinishAndDeliverAsync(rollout);
        for (var i = 0; i < 3; i++)
        {
            h.Time.Advance(TimeSpan.FromHours(1));
            await h.DeliverAsync();
        }

        var alarm = Assert.IsType<BugTrackerFailing>(Assert.Single(Drain(reader)));
        Assert.Equal("bmo", alarm.Tracker);
        Assert.Equal(1, alarm.Waiting);

        h.Restart(); // the bot comes back with the tracker still down: the channel heard about it already
        for (var i = 0; i < 3; i++)
        {
            h.Time.Advance(TimeSpan.FromHours(1));
            await h.DeliverAsync();
        }

        Assert.Empty(Drain(reader));
        Assert.True((await h.EntryAsync(123456, rollout.Id))!.Attempts >= 6);

        h.Restart();
        h.Tracker.Heal();
        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, await h.DeliverAsync());
        Assert.IsType<BugTrackerRecovered>(Assert.Single(Drain(reader)));
        Assert.Single(h.Tracker.CommentsOn(123456));
    }

    [Fact]
    public async Task DryRun_LogsAndSendsNothing()
    {
        await using var h = new BugsHarness(await FakeBugzilla.StartAsync(123456), dryRun: true);
        Assert.Equal(1, await h.FinishAndDeliverAsync(await h.FinishAsync(["Bug 123456 - thing"])));
        Assert.Equal(0, h.Tracker.Requests);
        Assert.Equal(BugCommentDelivered.DryRun, Assert.Single(await h.Outbox.RecentAsync(5, CancellationToken.None)).Delivered);
    }

    private static List<Events.DeployerEvent> Drain(System.Threading.Channels.ChannelReader<Events.DeployerEvent> reader)
    {
        var list = new List<Events.DeployerEvent>();
        while (reader.TryRead(out var e)) list.Add(e);
        return list;
    }
}
