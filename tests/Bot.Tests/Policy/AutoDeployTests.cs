using System.Threading.Channels;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Tests.Policy;

/// <summary>
/// The whole automatic path on the demo fleet with a fake clock: hold, two pushes, unlock, quiet window, rollout,
/// lag alarms, expiry, and restarts on the same store.
/// </summary>
public sealed class AutoDeployTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);
    private string _dir = "";
    private BotHarness _bot = null!;

    public async Task InitializeAsync()
    {
        _dir = BotHarness.NewDirectory();
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
    public async Task FirstStart_BaselinesOnly_NothingToDeploy()
    {
        Assert.Contains("watching buildbot-configs production at", _bot.Posted, StringComparison.Ordinal);
        var decision = await _bot.TickAsync();
        Assert.Equal(PolicyBlocker.NothingToDeploy, decision.Blocker);
        Assert.Empty((await _bot.Rollouts.LatestAsync(5, CancellationToken.None)));
    }

    [Fact]
    public async Task Status_PerRepo_SaysHowManyHostsLag_WhetherOrNotAMergeIsWaiting()
    {
        var first = await _bot.SayAsync("bob", "!status");
        Assert.Matches(@"buildbot-configs production: [0-9a-f]{12} no merge waiting, but 3/3 hosts behind \(!deploy now rolls them forward\)", first);
        Assert.Matches(@"tools production: [0-9a-f]{12} no merge waiting, but 5/5 hosts behind", first);

        await _bot.SayAsync("alice", "!lock 30m");
        _bot.Push("tools", "Bug 1040013 - tools");
        await _bot.PollAllAsync();
        Assert.Matches(@"tools production: [0-9a-f]{12} NOT deployed \(1 commit waiting; 5/5 hosts behind\)", await _bot.SayAsync("bob", "!status"));

        await _bot.SayAsync("root", "!deploy now --force");
        await _bot.Coordinator.WhenIdleAsync();
        var after = await _bot.SayAsync("bob", "!status");
        Assert.Matches(@"buildbot-configs production: [0-9a-f]{12} deployed", after);
        Assert.Matches(@"tools production: [0-9a-f]{12} deployed", after);
        Assert.DoesNotContain("hosts behind", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunningLoop_AMergeLanding_TicksAtOnce_NotAtTheNextInterval()
    {
        var events = _bot.Get<DeployerEvents>();
        var changes = events.Subscribe();
        using var stop = new CancellationTokenSource();
        await _bot.Loop.StartAsync(stop.Token);
        try
        {
            await WaitForDecisionAsync(changes, PolicyBlocker.NothingToDeploy);

            // The clock stands still: only the merge can make the loop look again.
            _bot.Push("tools", "Bug 1040013 - tools");
            await _bot.PollAllAsync();
            await WaitForDecisionAsync(changes, PolicyBlocker.Quiet);
            Assert.Equal(T0, _bot.Time.GetUtcNow());
        }
        finally
        {
            events.Unsubscribe(changes);
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _bot.Loop.StopAsync(patience.Token);
        }
    }

    /// <summary>Waits for the loop to publish a decision with <paramref name="blocker"/> (a bound, not a sleep).</summary>
    private static async Task WaitForDecisionAsync(ChannelReader<DeployerEvent> changes, PolicyBlocker blocker)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await foreach (var e in changes.ReadAllAsync(bound.Token))
        {
            if (e is PolicyChanged { Decision.Blocker: var b } && b == blocker) return;
        }
    }

    [Fact]
    public async Task HoldThenTwoPushes_NoRollout_UnlockThenQuietWindow_DeploysEveryHost()
    {
        Assert.Contains("alice holds the deploy lock", await _bot.SayAsync("alice", "!lock 30m landing bug 1040013 configs+custom"), StringComparison.Ordinal);
        var configs = _bot.Push("buildbot-configs", "Bug 1040013 - configs half");
        var custom = _bot.Push("buildbotcustom", "Bug 1040013 - custom half");
        await _bot.PollAllAsync();
        await _bot.DeliverAsync();
        Assert.Contains("buildbot-configs production: 1 commit by Alice Releng — Bug 1040013", _bot.Posted, StringComparison.Ordinal);

        var held = await _bot.TickAsync();
        Assert.Equal(PolicyBlocker.Hold, held.Blocker);
        Assert.StartsWith("waiting: alice holds the lock until 14:30 UTC", Bot.Announcements.PolicyText.Line(held, TimeZoneInfo.Utc), StringComparison.Ordinal);
        Assert.Contains("policy: waiting: alice holds the lock", await _bot.SayAsync("bob", "!status"), StringComparison.Ordinal);

        _bot.Time.Advance(TimeSpan.FromMinutes(2));
        var unlocked = await _bot.SayAsync("alice", "!unlock");
        Assert.Contains("released your hold", unlocked, StringComparison.Ordinal);
        Assert.Contains("quiet in 3 min", unlocked, StringComparison.Ordinal);
        Assert.Contains($"(then buildbot-configs {configs[..12]}, buildbotcustom {custom[..12]} go to 5 hosts)", unlocked, StringComparison.Ordinal);

        var quiet = await _bot.TickAsync();
        Assert.Equal(PolicyBlocker.Quiet, quiet.Blocker);
        Assert.Empty((await _bot.Rollouts.LatestAsync(5, CancellationToken.None)));

        _bot.Time.Advance(TimeSpan.FromMinutes(3));
        var go = await _bot.TickAsync();
        Assert.True(go.Start, Bot.Announcements.PolicyText.Line(go, TimeZoneInfo.Utc));

        var rollout = Assert.Single((await _bot.Rollouts.LatestAsync(5, CancellationToken.None)));
        Assert.Equal(RolloutState.Succeeded, rollout.State);
        Assert.Equal(AutoDeployLoop.SystemUser, rollout.StartedBy);
        foreach (var host in new[] { "bm01", "bm02", "bm03" })
        {
            Assert.Equal(configs, BotHarness.Git(_bot.HostRepo(host, "buildbot-configs"), "rev-parse", "HEAD"));
            Assert.Equal(custom, BotHarness.Git(_bot.HostRepo(host, "buildbotcustom"), "rev-parse", "HEAD"));
        }

        Assert.Contains($"OK: rollout #{rollout.Id} succeeded", _bot.Posted, StringComparison.Ordinal);
        Assert.Empty(await _bot.Watcher.GetUndeployedMergesAsync(null, CancellationToken.None));
        var after = await _bot.TickAsync();
        Assert.Equal(PolicyBlocker.NothingToDeploy, after.Blocker);
        Assert.Single((await _bot.Rollouts.LatestAsync(5, CancellationToken.None)));
    }

    [Fact]
    public async Task HostsLagBehindAHeldMerge_WarnThenCriticalOnce_EvenAcrossRestart()
    {
        await _bot.SayAsync("alice", "!lock 2h long landing");
        _bot.Push("tools", "Bug 1057888 - tools change");
        await _bot.PollAllAsync();

        _bot.Time.Advance(TimeSpan.FromMinutes(16));
        await _bot.TickAsync();
        await _bot.TickAsync();
        var warnings = Lines(_bot.Posted, "LAG WARNING");
        Assert.Equal(5, warnings.Count); // every host carries tools
        Assert.All(warnings, w => Assert.Contains("held by the lock: alice since 14:00 UTC (long landing)", w, StringComparison.Ordinal));

        _bot.Time.Advance(TimeSpan.FromMinutes(15));
        await _bot.TickAsync();
        Assert.Equal(5, Lines(_bot.Posted, "LAG CRITICAL").Count);

        await _bot.DisposeAsync();
        _bot = await BotHarness.StartAsync(_dir, T0.AddMinutes(40));
        await _bot.TickAsync();
        Assert.Empty(Lines(_bot.Posted, "LAG"));
        Assert.DoesNotContain("Bug 1057888", _bot.Posted, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnlockWithOneRepoWaiting_OutlookSaysItGoesToTheHosts()
    {
        await _bot.SayAsync("alice", "!lock 30m landing tools");
        var tools = _bot.Push("tools", "Bug 1040013 - tools alone");
        await _bot.PollAllAsync();
        Assert.Equal(PolicyBlocker.Hold, (await _bot.TickAsync()).Blocker);

        var unlocked = await _bot.SayAsync("alice", "!unlock");

        Assert.Contains("quiet in 5 min", unlocked, StringComparison.Ordinal);
        Assert.Contains($"(then tools {tools[..12]} goes to 5 hosts)", unlocked, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClockJumpsPastExpiry_ExpiryAnnouncedOnceAndRolloutStarts()
    {
        await _bot.SayAsync("alice", "!lock 1h waiting for review");
        _bot.Push("tools", "tools fix");
        await _bot.PollAllAsync();
        Assert.Equal(PolicyBlocker.Hold, (await _bot.TickAsync()).Blocker);

        _bot.Time.Advance(TimeSpan.FromHours(3));
        var decision = await _bot.TickAsync();

        Assert.True(decision.Start, Bot.Announcements.PolicyText.Line(decision, TimeZoneInfo.Utc));
        Assert.Single(Lines(_bot.Posted, "alice's deploy lock expired"));
        Assert.Empty(Lines(_bot.Posted, "your deploy lock expires in"));
        Assert.Equal(RolloutState.Succeeded, (await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0].State);
    }

    [Fact]
    public async Task HoldNearExpiry_WarnsHolderOnce()
    {
        await _bot.SayAsync("alice", "!lock 30m short one");
        _bot.Time.Advance(TimeSpan.FromMinutes(21));
        await _bot.TickAsync();
        await _bot.TickAsync();
        var warning = Assert.Single(Lines(_bot.Posted, "your deploy lock expires in"));
        Assert.StartsWith("[#releng] alice: your deploy lock expires in 9 min", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("!lock 0m", "not locked: ")]
    [InlineData("!lock -5m", "not locked: ")]
    [InlineData("!lock 99999h", "not locked: ")]
    [InlineData("!lock 5 minutes", "not locked: ")]
    [InlineData("!lock 30x", "not locked: ")]
    [InlineData("!unlock", "not unlocked: you hold no lock")]
    [InlineData("!extend", "not extended: you hold no lock")]
    [InlineData("!freeze", "usage: !freeze duration [reason…]")]
    [InlineData("!freeze soon", "not frozen: ")]
    public async Task BadLockInput_ClearErrorAndNothingChanges(string text, string expected)
    {
        var reply = await _bot.SayAsync("alice", text);
        Assert.StartsWith(expected, reply, StringComparison.Ordinal);
        Assert.Contains("lock: free", await _bot.SayAsync("alice", "!status"), StringComparison.Ordinal);
        Assert.DoesNotContain("FROZEN", await _bot.SayAsync("alice", "!status"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LongReason_RefusedAndNoHold()
    {
        var reply = await _bot.SayAsync("alice", "!lock 30m " + new string('r', 5000));
        Assert.StartsWith("not locked: reason is 5000 characters long", reply, StringComparison.Ordinal);
        Assert.Contains("lock: free", await _bot.SayAsync("alice", "!status"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnlockSomeoneElse_ByNonAdmin_RefusedAndHoldStays()
    {
        await _bot.SayAsync("alice", "!lock 30m mine");
        var reply = await _bot.SayAsync("bob", "!unlock @alice");
        Assert.Equal("sorry bob, !unlock @user is for admins only; ask an admin to add you to permissions in the config", reply);
        Assert.Contains("lock: held by alice", await _bot.SayAsync("bob", "!status"), StringComparison.Ordinal);
        Assert.Contains("released alice's hold", await _bot.SayAsync("root", "!unlock @alice"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployNow_WhileHeld_RefusedWithTheHold_ForceByAdminGoesLoudly()
    {
        await _bot.SayAsync("alice", "!lock 30m landing");
        var refused = await _bot.SayAsync("bob", "!deploy now");
        Assert.StartsWith("not deploying: alice holds the lock until 14:30 UTC (landing)", refused, StringComparison.Ordinal);
        Assert.StartsWith("sorry bob, !deploy now --force is for admins only", await _bot.SayAsync("bob", "!deploy now --force"), StringComparison.Ordinal);

        Assert.Equal("", await _bot.SayAsync("root", "!deploy now --force")); // the start message is the answer
        await _bot.Coordinator.WhenIdleAsync();
        await _bot.DeliverAsync();
        Assert.Contains("rollout #1 started by root (deploy now --force) FORCED (lock, freezes and CI ignored)", _bot.Posted, StringComparison.Ordinal);
        Assert.True((await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0].Forced);
    }

    [Fact]
    public async Task DeployNow_SkipsTheQuietWindowButNotAFreeze()
    {
        _bot.Push("tools", "urgent tools fix");
        await _bot.PollAllAsync();
        Assert.Equal(PolicyBlocker.Quiet, (await _bot.TickAsync()).Blocker);

        Assert.StartsWith("FROZEN by alice", await _bot.SayAsync("alice", "!freeze 1h release week"), StringComparison.Ordinal);
        Assert.StartsWith("not deploying: freeze \"release week\"", await _bot.SayAsync("bob", "!deploy now"), StringComparison.Ordinal);
        await _bot.SayAsync("alice", "!unfreeze");

        Assert.Equal("", await _bot.SayAsync("bob", "!deploy now"));
        await _bot.Coordinator.WhenIdleAsync();
        await _bot.DeliverAsync();
        Assert.Contains("rollout #1 started by bob (deploy now)", _bot.Posted, StringComparison.Ordinal);
        Assert.Equal(RolloutState.Succeeded, (await _bot.Rollouts.LatestAsync(1, CancellationToken.None))[0].State);
    }

    [Fact]
    public async Task ConcurrentDeployNow_FromTwoUsers_ExactlyOneRollout()
    {
        var replies = await Task.WhenAll(_bot.SayAsync("alice", "!deploy now"), _bot.SayAsync("bob", "!deploy now"));
        await _bot.Coordinator.WhenIdleAsync();

        Assert.Single(replies, r => r.Length == 0); // started: the start message says so
        Assert.Single(replies, r => r.StartsWith("not deploying: rollout #1 started by", StringComparison.Ordinal));
        Assert.Single((await _bot.Rollouts.LatestAsync(5, CancellationToken.None)));
    }

    private static List<string> Lines(string text, string contains) =>
        text.Split('\n').Where(l => l.Contains(contains, StringComparison.Ordinal)).ToList();
}
