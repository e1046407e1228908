using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;

namespace ChatOpsReconfig.Bot.Tests.Policy;

/// <summary>
/// The one door into a rollout, on the demo fleet with a fake clock: every trigger is recorded with its decision,
/// no host moves backward unless someone asks for a rollback, and hosts stopped partway are shown as partial.
/// </summary>
public sealed class DoorTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
    private static readonly string[] AllHosts = ["bm01", "bm02", "bm03", "foopy01", "foopy02"];
    private string _dir = "";
    private BotHarness _bot = null!;

    public async Task InitializeAsync()
    {
        _dir = BotHarness.NewDirectory();
        _bot = await BotHarness.StartAsync(_dir, T0);
        await _bot.PollAllAsync();
        await _bot.ProbeAsync();
        await _bot.DeliverAsync();
    }

    public async Task DisposeAsync()
    {
        await _bot.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Automatic_PushThenQuietWindow_RecordedAsAutomaticWithItsRollout()
    {
        _bot.Push("tools", "Bug 1040013 - tools");
        await _bot.PollAllAsync();
        _bot.Time.Advance(TimeSpan.FromMinutes(6));

        var decision = await _bot.TickAsync();

        Assert.True(decision.Start, Bot.Announcements.PolicyText.Line(decision, TimeZoneInfo.Utc));
        var entry = (await _bot.DoorLog.LatestAsync(1, CancellationToken.None))[0];
        Assert.Equal((RolloutTrigger.Automatic, AutoDeployLoop.SystemUser, true), (entry.Trigger, entry.RequestedBy, entry.Started));
        Assert.Equal((await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0].Id, entry.RolloutId);
        Assert.StartsWith("deploying: ", Bot.Announcements.PolicyText.Line(PolicyDecisionJson.Deserialize(entry.Decision)!, TimeZoneInfo.Utc), StringComparison.Ordinal);
        Assert.Equal(RolloutTrigger.Automatic, (await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0].Trigger);
    }

    [Fact]
    public async Task DeployNow_StartedAndRefused_BothRecordedWithTheirDecision()
    {
        await _bot.SayAsync("alice", "!lock 30m landing");
        Assert.StartsWith("not deploying: alice holds the lock", await _bot.SayAsync("bob", "!deploy now"), StringComparison.Ordinal);
        var refused = (await _bot.DoorLog.LatestAsync(1, CancellationToken.None))[0];
        Assert.Equal((RolloutTrigger.DeployNow, "bob", false, PolicyBlocker.Hold), (refused.Trigger, refused.RequestedBy, refused.Started, refused.Blocker));
        Assert.Null(refused.RolloutId);

        await _bot.SayAsync("alice", "!unlock");
        await _bot.PolicyStatus.UnlockTick;
        Assert.Equal("", await _bot.SayAsync("bob", "!deploy now"));
        await _bot.Coordinator.WhenIdleAsync();
        var started = (await _bot.DoorLog.LatestAsync(1, CancellationToken.None))[0];
        Assert.Equal((RolloutTrigger.DeployNow, "bob", true), (started.Trigger, started.RequestedBy, started.Started));
        Assert.Equal((await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0].Id, started.RolloutId);
    }

    [Fact]
    public async Task Unlock_LastHoldGoesAfterTheQuietWindow_RolloutStartsThroughTheDoorAtOnce()
    {
        await _bot.SayAsync("alice", "!lock 30m landing");
        var head = _bot.Push("tools", "Bug 1040013 - tools");
        await _bot.PollAllAsync();
        _bot.Time.Advance(TimeSpan.FromMinutes(6));

        var reply = await _bot.SayAsync("alice", "!unlock");
        await _bot.PolicyStatus.UnlockTick;
        await _bot.Coordinator.WhenIdleAsync();

        Assert.Contains($"deploying: tools {head[..12]} to 5 hosts", reply, StringComparison.Ordinal);
        var entry = (await _bot.DoorLog.LatestAsync(1, CancellationToken.None))[0];
        Assert.Equal((RolloutTrigger.Unlock, true), (entry.Trigger, entry.Started));
        Assert.All(AllHosts, h => Assert.Equal(head, _bot.OnDisk(h, "tools")));
    }

    [Fact]
    public async Task Resume_InterruptedRollout_OnceThroughTheDoor_PartialHostCompleted_NoFakeRollout()
    {
        var heads = await _bot.Watcher.GetHeadsAsync(CancellationToken.None);
        var id = await _bot.Rollouts.InsertAsync(new RolloutRecord
        {
            StartedAt = T0, StartedBy = "alice", Trigger = RolloutTrigger.DeployNow,
            Revisions = heads.Revisions.ToDictionary(kv => kv.Key, kv => kv.Value), Hosts = ["bm01", "bm02"], CanaryCount = 1,
        }, CancellationToken.None);
        await _bot.Rollouts.SaveHostAsync(new HostResult
        {
            Id = HostResult.MakeId(id, "bm01"), RolloutId = id, Host = "bm01", Role = "master", Outcome = HostOutcome.Running, StartedAt = T0,
            Steps = [new StepResult { Name = "update", Status = StepStatus.Ok }],
        }, CancellationToken.None);
        await _bot.Rollouts.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, "bm02"), RolloutId = id, Host = "bm02", Role = "master" }, CancellationToken.None);

        // The bot restarts: the rollout is marked interrupted, bm01 (updated, never reconfigured) is partial.
        await _bot.DisposeAsync();
        _bot = await BotHarness.StartAsync(_dir, T0.AddMinutes(1));
        Assert.Matches(@"bm01\s+master\s+partial\s+updated, not reconfigured: rollout #1 stopped at checkconfig", await _bot.SayAsync("bob", "!status"));
        await _bot.PollAllAsync();

        var decision = await _bot.TickAsync();

        Assert.True(decision.Start, Bot.Announcements.PolicyText.Line(decision, TimeZoneInfo.Utc));
        Assert.Equal($"resuming interrupted rollout #{id} on 2 host(s)", Bot.Announcements.PolicyText.Line(decision, TimeZoneInfo.Utc));
        var entry = (await _bot.DoorLog.LatestAsync(1, CancellationToken.None))[0];
        Assert.Equal((RolloutTrigger.Resume, id, true), (entry.Trigger, entry.ResumeOf, entry.Started));
        var resumed = (await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0];
        Assert.Equal(id, resumed.ResumedFrom);
        Assert.Equal(["bm01", "bm02"], resumed.Hosts);
        foreach (var host in new[] { "bm01", "bm02" }) Assert.Equal(heads["tools"], _bot.OnDisk(host, "tools"));
        Assert.False((await _bot.Rollouts.GetHostStateAsync("bm01", CancellationToken.None))!.Partial);

        Assert.Equal(PolicyBlocker.NothingToDeploy, (await _bot.TickAsync()).Blocker);
        Assert.Equal(2, (await _bot.Rollouts.LatestAsync(10, CancellationToken.None)).Count); // the interrupted one and its resume; nothing invented
    }

    [Fact]
    public async Task Ancestry_HostOutsideProductionHistory_RefusedAndNamed_OthersUpdate()
    {
        BotHarness.Git(_bot.HostRepo("bm02", "tools"), "commit", "-q", "--allow-empty", "-m", "hand-made hotfix on bm02");
        var strayRev = _bot.OnDisk("bm02", "tools");
        await _bot.ProbeAsync("bm02");
        var head = _bot.Push("tools", "Bug 1040013 - tools");
        await _bot.PollAllAsync();

        Assert.Equal("", await _bot.SayAsync("bob", "!deploy now"));
        await _bot.Coordinator.WhenIdleAsync();
        await _bot.DeliverAsync();

        var rollout = (await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0];
        Assert.DoesNotContain("bm02", rollout.Hosts);
        var refusal = Assert.Single(rollout.Refused);
        Assert.Equal(("bm02", "tools", strayRev, head, HostRefusalKind.HostWouldMoveBack), (refusal.Host, refusal.Repo, refusal.HostRevision, refusal.SetRevision, refusal.Kind));
        Assert.Contains($"not touched: bm02: runs tools {strayRev[..12]}, and the set's {head[..12]} does not descend from it (would move backward)", _bot.Posted, StringComparison.Ordinal);
        Assert.Equal(strayRev, _bot.OnDisk("bm02", "tools"));
        Assert.All(AllHosts.Where(h => h != "bm02"), h => Assert.Equal(head, _bot.OnDisk(h, "tools")));
    }

    [Fact]
    public async Task Rollback_MovesHostsToTheEarlierSet_Announced_Holds_UnlockRollbackLetsTheNextMergeDeploy()
    {
        Assert.Equal("", await _bot.SayAsync("bob", "!deploy now"));
        await _bot.Coordinator.WhenIdleAsync();
        var first = _bot.UpstreamHead("tools");
        var second = _bot.Push("tools", "Bug 1040013 - tools v2");
        await _bot.PollAllAsync();
        Assert.Equal("", await _bot.SayAsync("bob", "!deploy now"));
        await _bot.Coordinator.WhenIdleAsync();
        Assert.All(AllHosts, h => Assert.Equal(second, _bot.OnDisk(h, "tools")));

        Assert.Equal("", await _bot.SayAsync("alice", "!rollback"));
        await _bot.Coordinator.WhenIdleAsync();
        await _bot.DeliverAsync();

        Assert.All(AllHosts, h => Assert.Equal(first, _bot.OnDisk(h, "tools")));
        var rollback = (await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0];
        Assert.Equal((1, RolloutTrigger.Rollback, RolloutState.Succeeded), (rollback.RollbackTo, rollback.Trigger, rollback.State));
        Assert.Contains($"ROLLBACK: rollout #{rollback.Id} to the set of #1 started by alice", _bot.Posted, StringComparison.Ordinal);
        Assert.Contains("lock: held by rollback until released (rolled back by alice to the set of rollout #1: !unlock rollback to resume automatic rollouts)", await _bot.SayAsync("bob", "!status"), StringComparison.Ordinal);

        var third = _bot.Push("tools", "Bug 1040014 - tools v3");
        await _bot.PollAllAsync();
        _bot.Time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(PolicyBlocker.Hold, (await _bot.TickAsync()).Blocker);
        Assert.All(AllHosts, h => Assert.Equal(first, _bot.OnDisk(h, "tools")));

        Assert.Contains("released", await _bot.SayAsync("bob", "!unlock rollback"), StringComparison.Ordinal);
        await _bot.PolicyStatus.UnlockTick;
        await _bot.Coordinator.WhenIdleAsync();
        Assert.All(AllHosts, h => Assert.Equal(third, _bot.OnDisk(h, "tools")));
    }

    [Fact]
    public async Task Rollback_UnknownRollout_RefusedAndNothingChanges()
    {
        Assert.Equal("not rolling back: no rollout #42; !history lists them", await _bot.SayAsync("alice", "!rollback #42"));
        Assert.StartsWith("not rolling back: 'sideways' is not a rollout number", await _bot.SayAsync("alice", "!rollback sideways"), StringComparison.Ordinal);
        Assert.StartsWith("not rolling back: no succeeded rollout to roll back from", await _bot.SayAsync("alice", "!rollback"), StringComparison.Ordinal);
        Assert.Empty((await _bot.Rollouts.LatestAsync(5, CancellationToken.None)));
        Assert.Contains("lock: free", await _bot.SayAsync("alice", "!status"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NothingToDeploy_RefusedByNameAndAgainRerunsTheSteps_UnchangedReposSaidSo()
    {
        Assert.Equal("", await _bot.SayAsync("bob", "!deploy now"));
        await _bot.Coordinator.WhenIdleAsync();

        Assert.Equal("not deploying: nothing to deploy: every targeted host already runs the set (5 hosts); --again runs the steps again",
            await _bot.SayAsync("bob", "!deploy now"));
        Assert.Single((await _bot.Rollouts.LatestAsync(5, CancellationToken.None)));

        Assert.Equal("", await _bot.SayAsync("bob", "!deploy now --again"));
        await _bot.Coordinator.WhenIdleAsync();
        var again = (await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0];
        Assert.Equal((5, RolloutState.Succeeded), (again.Hosts.Count, again.State));
        Assert.All(again.Changes, c => Assert.True(c.Unchanged));

        var head = _bot.Push("tools", "Bug 1040013 - tools");
        await _bot.PollAllAsync();
        var plan = await _bot.SayAsync("bob", "!deploy plan");
        Assert.Contains("plan: roll out to 5 host(s), canary bm01 first", plan, StringComparison.Ordinal);
        Assert.Matches(@"buildbot-configs unchanged \([0-9a-f]{12}\)", plan);
        Assert.Contains($"→ {head[..12]} (1 commit)", plan, StringComparison.Ordinal);
        Assert.Contains("Bug 1040013 - tools [bug 1040013]", plan, StringComparison.Ordinal);
        Assert.Contains("policy: would start now: deploying now (skipped: tools pushed under a minute ago, quiet in 5 min): tools", plan, StringComparison.Ordinal);
        Assert.Equal(2, (await _bot.Rollouts.LatestAsync(5, CancellationToken.None)).Count); // the plan did nothing
    }

    [Fact]
    public async Task Plan_WhileHeld_SaysWhyAndActsNot()
    {
        await _bot.SayAsync("alice", "!lock 30m landing");
        var plan = await _bot.SayAsync("bob", "!deploy plan");
        Assert.Contains("plan: roll out to 5 host(s)", plan, StringComparison.Ordinal);
        Assert.Contains("policy: waiting: alice holds the lock until 14:30 UTC (landing)", plan, StringComparison.Ordinal);
        Assert.Empty((await _bot.Rollouts.LatestAsync(5, CancellationToken.None)));
    }

    [Fact]
    public async Task Cancel_DuringUpdate_HostIsPartialNotInSync_NextRolloutCompletesIt()
    {
        await _bot.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
        _dir = BotHarness.NewDirectory(json =>
        {
            var update = json["roles"]!["master"]!["steps"]![0]!;
            update["command"] = update["command"]!.GetValue<string>() + " && touch {basedir}/updating && while [ ! -e {basedir}/go ]; do sleep 0.05; done";
        });
        _bot = await BotHarness.StartAsync(_dir, T0);
        await _bot.PollAllAsync();
        await _bot.ProbeAsync();
        var basedir = Path.Combine(_dir, "data", "demo", "hosts");

        Assert.Equal("", await _bot.SayAsync("bob", "!deploy now"));
        await WaitForFileAsync(Path.Combine(basedir, "bm01", "updating"));
        Assert.StartsWith("cancelling rollout #1", await _bot.SayAsync("bob", "!deploy cancel"), StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(basedir, "bm01", "go"), "");
        await _bot.Coordinator.WhenIdleAsync();

        var state = (await _bot.Rollouts.GetHostStateAsync("bm01", CancellationToken.None))!;
        Assert.True(state.Partial);
        var status = await _bot.SayAsync("bob", "!status");
        Assert.Contains("5 hosts: 1 partial", status, StringComparison.Ordinal);
        Assert.Matches(@"bm01\s+master\s+partial\s+updated, not reconfigured: rollout #1 stopped at checkconfig", status);
        Assert.DoesNotContain("all in sync", status, StringComparison.Ordinal);
        Assert.StartsWith("bm01 (master, local): partial", await _bot.SayAsync("bob", "!status bm01"), StringComparison.Ordinal);

        foreach (var host in new[] { "bm02", "bm03" }) File.WriteAllText(Path.Combine(basedir, host, "go"), "");
        Assert.Equal("", await _bot.SayAsync("bob", "!deploy now"));
        await _bot.Coordinator.WhenIdleAsync();
        var second = (await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0];
        Assert.Contains("bm01", second.Hosts);
        Assert.False((await _bot.Rollouts.GetHostStateAsync("bm01", CancellationToken.None))!.Partial);
        Assert.Contains("5 hosts: all in sync", await _bot.SayAsync("bob", "!status"), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(basedir, "bm01", "last-reconfig")));
    }

    [Fact]
    public async Task Startup_BeforeTheFirstPolls_DecidesNothingAndStatusSaysSo()
    {
        await _bot.DisposeAsync();
        _bot = await BotHarness.StartAsync(_dir, T0.AddMinutes(1));

        Assert.Contains("policy: starting: reading production heads (0/3 repos)", await _bot.SayAsync("bob", "!status"), StringComparison.Ordinal);
        var decision = await _bot.TickAsync();
        Assert.Equal((false, PolicyBlocker.NotReady), (decision.Start, decision.Blocker));
        Assert.Empty((await _bot.Rollouts.LatestAsync(5, CancellationToken.None)));

        await _bot.PollAllAsync();
        Assert.Contains("policy: heads read; deciding at the next tick", await _bot.SayAsync("bob", "!status"), StringComparison.Ordinal);
    }

    private static async Task WaitForFileAsync(string path)
    {
        // The step itself creates the file when it reaches the point the test needs: a signal from the host.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!File.Exists(path)) await Task.Delay(20, cts.Token);
    }
}
