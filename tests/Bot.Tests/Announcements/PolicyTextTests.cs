using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>The policy's answers in words: <see cref="DeployPolicy"/>'s decisions as <see cref="PolicyText"/> says them.</summary>
public sealed class PolicyTextTests
{
    private static readonly DateTimeOffset Now = new(2025, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private const string CustomHead = "feedfacecafe00010002000300040005";
    private const string ToolsHead = "abc123def4567890abc123def4567890";

    private const string RunningLine = "waiting: a rollout is already running";
    private const string NothingLine = "nothing to deploy: no merge is waiting";
    private const string HoldText = "alice holds the lock until 14:30 UTC (landing bug 123)";
    private const string FreezeText = "freeze \"release week\" until 18:00 UTC";
    private const string QuietText = "buildbotcustom pushed 2 min ago, quiet in 3 min";
    private const string CiText = "CI pending for tools abc123def456";
    private const string Deploying = "buildbotcustom feedfacecafe, tools abc123def456";

    private static readonly Hold AliceHold = new()
    {
        HolderId = "u-alice",
        HolderName = "alice",
        Reason = "landing bug 123",
        Since = Now.AddMinutes(-30),
        ExpiresAt = Now.AddMinutes(150),
    };

    private const string Skipped4 = HoldText + "; " + FreezeText + "; " + QuietText + "; " + CiText;

    /// <summary>
    /// The README's rules, written out as expected answers (not derived from the code): a running rollout first,
    /// then nothing to deploy, then hold, freeze, quiet window and CI in that order; <c>!deploy now</c> skips the
    /// quiet window, <c>--force</c> skips hold, freeze, quiet window and CI and says what it skipped.
    /// Columns: held, recent push, frozen, CI pending, rollout running, nothing pending, trigger → start, blocker, line.
    /// </summary>
    public static TheoryData<bool, bool, bool, bool, bool, bool, TriggerKind, bool, PolicyBlocker, string> Rules() => new()
    {
        { false, false, false, false, false, false, TriggerKind.Automatic, true, PolicyBlocker.None, "deploying: " + Deploying },
        { false, false, false, false, false, false, TriggerKind.DeployNow, true, PolicyBlocker.None, "deploying now: " + Deploying },
        { false, false, false, false, false, false, TriggerKind.DeployNowForce, true, PolicyBlocker.None, "deploying now (forced; nothing was blocking): " + Deploying },
        { true, true, true, true, true, false, TriggerKind.Automatic, false, PolicyBlocker.RolloutRunning, RunningLine },
        { true, true, true, true, true, true, TriggerKind.DeployNowForce, false, PolicyBlocker.RolloutRunning, RunningLine },
        { false, false, false, false, false, true, TriggerKind.Automatic, false, PolicyBlocker.NothingToDeploy, NothingLine },
        { true, true, true, true, false, true, TriggerKind.DeployNowForce, false, PolicyBlocker.NothingToDeploy, NothingLine },
        { true, false, false, false, false, false, TriggerKind.Automatic, false, PolicyBlocker.Hold, "waiting: " + HoldText },
        { true, false, false, false, false, false, TriggerKind.DeployNow, false, PolicyBlocker.Hold, "waiting: " + HoldText },
        { true, false, false, false, false, false, TriggerKind.DeployNowForce, true, PolicyBlocker.None, $"deploying now (forced; skipped: {HoldText}): {Deploying}" },
        { false, false, true, false, false, false, TriggerKind.Automatic, false, PolicyBlocker.Freeze, "waiting: " + FreezeText },
        { true, false, true, false, false, false, TriggerKind.Automatic, false, PolicyBlocker.Hold, "waiting: " + HoldText },
        { false, false, true, false, false, false, TriggerKind.DeployNow, false, PolicyBlocker.Freeze, "waiting: " + FreezeText },
        { false, true, false, false, false, false, TriggerKind.Automatic, false, PolicyBlocker.Quiet, "waiting: " + QuietText },
        { false, true, false, false, false, false, TriggerKind.DeployNow, true, PolicyBlocker.None, $"deploying now (skipped: {QuietText}): {Deploying}" },
        { false, true, false, true, false, false, TriggerKind.Automatic, false, PolicyBlocker.Quiet, "waiting: " + QuietText },
        { false, true, false, true, false, false, TriggerKind.DeployNow, false, PolicyBlocker.CiPending, "waiting: " + CiText },
        { false, false, false, true, false, false, TriggerKind.Automatic, false, PolicyBlocker.CiPending, "waiting: " + CiText },
        { false, false, false, true, false, false, TriggerKind.DeployNowForce, true, PolicyBlocker.None, $"deploying now (forced; skipped: {CiText}): {Deploying}" },
        { false, true, true, true, false, false, TriggerKind.DeployNow, false, PolicyBlocker.Freeze, "waiting: " + FreezeText },
        { true, true, true, true, false, false, TriggerKind.DeployNowForce, true, PolicyBlocker.None, $"deploying now (forced; skipped: {Skipped4}): {Deploying}" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Decide_ReadmeRules_ExpectedDecision(
        bool held, bool recentPush, bool frozen, bool ciPending, bool running, bool nothingPending, TriggerKind trigger,
        bool start, PolicyBlocker blocker, string line)
    {
        var decision = DeployPolicy.Decide(Snapshot(nothingPending, held, recentPush, frozen, ciPending, running, trigger));

        Assert.Equal((start, blocker, line), (decision.Start, decision.Blocker, Line(decision)));
    }

    [Fact]
    public void Decide_CiFailed_WaitsForANewHeadAndSaysSo()
    {
        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [Custom(), Tools(new CiStatus(CiState.Failure) { Checks = ["ci/build"] })] });

        Assert.Equal(PolicyBlocker.CiFailed, decision.Blocker);
        Assert.Equal("waiting: CI failed for tools abc123def456 (failed: ci/build); waiting for a new head", Line(decision));
    }

    [Fact]
    public void Decide_CiUnknown_WaitsAndGivesTheReason()
    {
        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [Custom(), Tools(new CiStatus(CiState.Unknown, CiAnswer.Timeout) { After = TimeSpan.FromSeconds(10) })] });

        Assert.Equal(PolicyBlocker.CiUnknown, decision.Blocker);
        Assert.Equal("waiting: CI state unknown for tools abc123def456 (CI did not answer within 10s)", Line(decision));
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
        Assert.Equal("deploying: buildbotcustom feedfacecafe", Line(decision));
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

        Assert.Equal("waiting: tools pushed under a minute ago, quiet in 5 min", Line(decision));
    }

    [Fact]
    public void Decide_SeveralHolds_NamesTheOneEndingLast()
    {
        var bob = AliceHold with { HolderId = "u-bob", HolderName = "bob", Reason = "", ExpiresAt = Now.AddHours(5) };

        var decision = DeployPolicy.Decide(Snapshot() with { Holds = [AliceHold, bob] });

        Assert.Equal("waiting: bob holds the lock until 17:00 UTC, and 1 other hold", Line(decision));
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

        Assert.Equal("waiting: freeze \"db migration\" by carol until 13:30 UTC", Line(decision));
    }

    [Fact]
    public void Decide_TimesInConfiguredZone_AndOtherDaysWithDate()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var hold = AliceHold with { ExpiresAt = Now.AddHours(12) };

        var decision = DeployPolicy.Decide(Snapshot() with { Holds = [hold] });

        Assert.Equal("waiting: alice holds the lock until Nov 26 01:00 Europe/Berlin (landing bug 123)", PolicyText.Line(decision, berlin));
    }

    private static string Line(PolicyDecision decision) => PolicyText.Line(decision, TimeZoneInfo.Utc);

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
