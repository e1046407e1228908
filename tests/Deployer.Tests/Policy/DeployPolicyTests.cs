using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer.Tests.Policy;

public sealed class DeployPolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private const string CustomHead = "feedfacecafe00010002000300040005";
    private const string ToolsHead = "abc123def4567890abc123def4567890";

    private static readonly Hold AliceHold = new()
    {
        HolderId = "u-alice",
        HolderName = "alice",
        Reason = "landing bug 123",
        Since = Now.AddMinutes(-30),
        ExpiresAt = Now.AddMinutes(150),
    };

    /// <summary>
    /// The README's rules, written out as expected answers (not derived from the code): a running rollout first,
    /// then nothing to deploy, then hold, freeze, quiet window and CI in that order; <c>!deploy now</c> skips the
    /// quiet window, <c>--force</c> skips hold, freeze, quiet window and CI and says what it skipped.
    /// Columns: held, recent push, frozen, CI pending, rollout running, nothing pending, trigger → start, blocker (the words: Bot.Tests PolicyTextTests).
    /// </summary>
    public static TheoryData<bool, bool, bool, bool, bool, bool, TriggerKind, bool, PolicyBlocker> Rules() => new()
    {
        { false, false, false, false, false, false, TriggerKind.Automatic, true, PolicyBlocker.None },
        { false, false, false, false, false, false, TriggerKind.DeployNow, true, PolicyBlocker.None },
        { false, false, false, false, false, false, TriggerKind.DeployNowForce, true, PolicyBlocker.None },
        { true, true, true, true, true, false, TriggerKind.Automatic, false, PolicyBlocker.RolloutRunning },
        { true, true, true, true, true, true, TriggerKind.DeployNowForce, false, PolicyBlocker.RolloutRunning },
        { false, false, false, false, false, true, TriggerKind.Automatic, false, PolicyBlocker.NothingToDeploy },
        { true, true, true, true, false, true, TriggerKind.DeployNowForce, false, PolicyBlocker.NothingToDeploy },
        { true, false, false, false, false, false, TriggerKind.Automatic, false, PolicyBlocker.Hold },
        { true, false, false, false, false, false, TriggerKind.DeployNow, false, PolicyBlocker.Hold },
        { true, false, false, false, false, false, TriggerKind.DeployNowForce, true, PolicyBlocker.None },
        { false, false, true, false, false, false, TriggerKind.Automatic, false, PolicyBlocker.Freeze },
        { true, false, true, false, false, false, TriggerKind.Automatic, false, PolicyBlocker.Hold },
        { false, false, true, false, false, false, TriggerKind.DeployNow, false, PolicyBlocker.Freeze },
        { false, true, false, false, false, false, TriggerKind.Automatic, false, PolicyBlocker.Quiet },
        { false, true, false, false, false, false, TriggerKind.DeployNow, true, PolicyBlocker.None },
        { false, true, false, true, false, false, TriggerKind.Automatic, false, PolicyBlocker.Quiet },
        { false, true, false, true, false, false, TriggerKind.DeployNow, false, PolicyBlocker.CiPending },
        { false, false, false, true, false, false, TriggerKind.Automatic, false, PolicyBlocker.CiPending },
        { false, false, false, true, false, false, TriggerKind.DeployNowForce, true, PolicyBlocker.None },
        { false, true, true, true, false, false, TriggerKind.DeployNow, false, PolicyBlocker.Freeze },
        { true, true, true, true, false, false, TriggerKind.DeployNowForce, true, PolicyBlocker.None },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Decide_ReadmeRules_ExpectedDecision(
        bool held, bool recentPush, bool frozen, bool ciPending, bool running, bool nothingPending, TriggerKind trigger,
        bool start, PolicyBlocker blocker)
    {
        var decision = DeployPolicy.Decide(Snapshot(nothingPending, held, recentPush, frozen, ciPending, running, trigger));

        Assert.Equal((start, blocker), (decision.Start, decision.Blocker));
    }

    [Fact]
    public void Decide_CiFailed_WaitsForANewHeadAndSaysSo()
    {
        var failed = new CiStatus(CiState.Failure) { Checks = ["ci/build"] };

        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [Custom(), Tools(failed)] });

        Assert.Equal(PolicyBlocker.CiFailed, decision.Blocker);
        Assert.Equal(new CiWait("tools", ToolsHead, failed), decision.Reason);
    }

    [Fact]
    public void Decide_CiUnknown_WaitsAndGivesTheReason()
    {
        var unknown = new CiStatus(CiState.Unknown, CiAnswer.Timeout) { After = TimeSpan.FromSeconds(10) };

        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [Custom(), Tools(unknown)] });

        Assert.Equal(PolicyBlocker.CiUnknown, decision.Blocker);
        Assert.Equal(new CiWait("tools", ToolsHead, unknown), decision.Reason);
    }

    [Fact]
    public void Decide_CiFailureAndPendingInDifferentRepos_NamesTheFailure()
    {
        var custom = Custom() with { Ci = new CiStatus(CiState.Pending) };

        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [custom, Tools(new CiStatus(CiState.Failure))] });

        Assert.Equal(PolicyBlocker.CiFailed, decision.Blocker);
    }

    [Fact]
    public void Decide_CiFailedOnARepoAlreadyDeployed_DoesNotBlock()
    {
        var tools = Tools(new CiStatus(CiState.Failure)) with { Pending = false };

        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [Custom(), tools] });

        Assert.True(decision.Start);
        Assert.Equal([new RepoHead("buildbotcustom", CustomHead)], decision.Deploying);
    }

    [Fact]
    public void Decide_UnknownProductionHead_LeavesThatRepoOut()
    {
        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [Custom() with { ProductionHead = null }, Tools()] });

        Assert.Equal(["tools"], decision.ChangedRepos);
    }

    [Theory]
    [InlineData(2, null, 5, true)] // pushed 2 min ago, quiet 5: wait
    [InlineData(5, null, 5, false)] // exactly the quiet window: go
    [InlineData(2, 1, 5, false)] // the repo's own quiet window of 1 min wins
    [InlineData(8, 10, 5, true)] // the repo's own window of 10 min
    [InlineData(2, null, 0, false)] // quiet window off
    public void Decide_QuietWindow_PerRepoOverride(int pushedMinutesAgo, int? repoQuiet, int defaultQuiet, bool waits)
    {
        var custom = Custom() with { LastPushAt = Now.AddMinutes(-pushedMinutesAgo), QuietMinutes = repoQuiet };

        var decision = DeployPolicy.Decide(Snapshot() with { QuietMinutes = defaultQuiet, Repos = [custom, Tools()] });

        Assert.Equal(waits ? PolicyBlocker.Quiet : PolicyBlocker.None, decision.Blocker);
    }

    [Fact]
    public void Decide_SeveralReposPushedRecently_NamesTheOneQuietLast()
    {
        var custom = Custom() with { LastPushAt = Now.AddMinutes(-4) };
        var tools = Tools() with { LastPushAt = Now.AddSeconds(-20) };

        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [custom, tools] });

        Assert.Equal(new QuietWait("tools", Now.AddSeconds(-20), Now.AddSeconds(280)), decision.Reason);
    }

    [Fact]
    public void Decide_SeveralHolds_NamesTheOneEndingLast()
    {
        var bob = AliceHold with { HolderId = "u-bob", HolderName = "bob", Reason = "", ExpiresAt = Now.AddHours(5) };

        var decision = DeployPolicy.Decide(Snapshot() with { Holds = [AliceHold, bob] });

        Assert.Equal(new HoldWait("bob", Now.AddHours(5), "", Others: 1), decision.Reason);
    }

    [Fact]
    public void Decide_ExpiredHold_DoesNotBlock()
    {
        var expired = AliceHold with { ExpiresAt = Now };

        Assert.True(DeployPolicy.Decide(Snapshot() with { Holds = [expired] }).Start);
    }

    [Fact]
    public void Decide_AdHocFreeze_NamesWhoFroze()
    {
        var decision = DeployPolicy.Decide(Snapshot() with { Freezes = [new OpenFreeze("db migration", Now.AddMinutes(90), "carol")] });

        Assert.Equal(new FreezeWait("db migration", "carol", Now.AddMinutes(90)), decision.Reason);
    }

    private static PolicySnapshot Snapshot(
        bool nothingToDeploy = false,
        bool held = false,
        bool recentPush = false,
        bool frozen = false,
        bool ciPending = false,
        bool running = false,
        TriggerKind trigger = TriggerKind.Automatic) => new()
    {
        Now = Now,
        QuietMinutes = 5,
        Repos =
        [
            Custom() with
            {
                Pending = !nothingToDeploy,
                LastPushAt = recentPush ? Now.AddMinutes(-2) : Now.AddHours(-1),
            },
            Tools(new CiStatus(ciPending ? CiState.Pending : CiState.Success)) with
            {
                Pending = !nothingToDeploy,
            },
        ],
        Holds = held ? [AliceHold] : [],
        Freezes = frozen ? [new OpenFreeze("release week", Now.AddHours(6))] : [],
        RolloutRunning = running,
        Trigger = trigger,
    };

    private static RepoSnapshot Custom() => new()
    {
        Name = "buildbotcustom",
        ProductionHead = CustomHead,
        Pending = true,
        LastPushAt = Now.AddHours(-1),
    };

    private static RepoSnapshot Tools(CiStatus? ci = null) => new()
    {
        Name = "tools",
        ProductionHead = ToolsHead,
        Pending = true,
        LastPushAt = Now.AddHours(-2),
        Ci = ci ?? new CiStatus(CiState.Success),
    };
}
