using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer.Tests.Policy;

public sealed class DeployPolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private const string CustomHead = "feedfacecafe00010002000300040005";
    private const string ToolsHead = "abc123def4567890abc123def4567890";

    private const string RunningLine = "waiting: a rollout is already running";
    private const string NothingLine = "nothing to deploy: no merge is waiting";
    private const string HoldText = "alice holds the lock until 14:30 (landing bug 123)";
    private const string FreezeText = "freeze \"release week\" until 18:00";
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

    /// <summary>Every combination of the six conditions (true = the condition blocks) and the three triggers.</summary>
    public static TheoryData<bool, bool, bool, bool, bool, bool, TriggerKind> AllCombinations()
    {
        var data = new TheoryData<bool, bool, bool, bool, bool, bool, TriggerKind>();
        for (var bits = 0; bits < 64; bits++)
        {
            foreach (var trigger in Enum.GetValues<TriggerKind>())
            {
                bool Bit(int i) => (bits & (1 << i)) != 0;
                data.Add(Bit(0), Bit(1), Bit(2), Bit(3), Bit(4), Bit(5), trigger);
            }
        }

        return data;
    }

    /// <summary>
    /// (a) nothing undeployed, (b) a hold, (c) a recent push, (d) an open freeze, (e) CI pending, (f) a rollout running.
    /// Expected: a running rollout, then nothing to deploy, then hold, freeze, quiet window and CI in that order; the
    /// trigger skips the quiet window (deploy now) or everything but (a) and (f) (force), and says what it skipped.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllCombinations))]
    public void Decide_EveryCombination_StartsOrNamesFirstBlocker(
        bool nothingToDeploy, bool held, bool recentPush, bool frozen, bool ciPending, bool running, TriggerKind trigger)
    {
        var snapshot = Snapshot(nothingToDeploy, held, recentPush, frozen, ciPending, running, trigger);

        var decision = DeployPolicy.Decide(snapshot);

        var blockers = new List<(PolicyBlocker Blocker, string Text)>();
        if (held) blockers.Add((PolicyBlocker.Hold, HoldText));
        if (frozen) blockers.Add((PolicyBlocker.Freeze, FreezeText));
        if (recentPush) blockers.Add((PolicyBlocker.Quiet, QuietText));
        if (ciPending) blockers.Add((PolicyBlocker.CiPending, CiText));
        var skippable = trigger switch
        {
            TriggerKind.DeployNowForce => blockers,
            TriggerKind.DeployNow => blockers.Where(b => b.Blocker == PolicyBlocker.Quiet).ToList(),
            _ => [],
        };
        var blocking = blockers.Except(skippable).ToList();

        if (running)
        {
            Assert.Equal((false, PolicyBlocker.RolloutRunning, RunningLine), (decision.Start, decision.Blocker, decision.Line));
        }
        else if (nothingToDeploy)
        {
            Assert.Equal((false, PolicyBlocker.NothingToDeploy, NothingLine), (decision.Start, decision.Blocker, decision.Line));
        }
        else if (blocking.Count > 0)
        {
            Assert.Equal((false, blocking[0].Blocker, "waiting: " + blocking[0].Text), (decision.Start, decision.Blocker, decision.Line));
        }
        else
        {
            var skipped = string.Join("; ", skippable.Select(b => b.Text));
            var expected = trigger switch
            {
                TriggerKind.DeployNowForce => skippable.Count == 0 ? "deploying now (forced; nothing was blocking)" : $"deploying now (forced; skipped: {skipped})",
                TriggerKind.DeployNow => skippable.Count == 0 ? "deploying now" : $"deploying now (skipped: {skipped})",
                _ => "deploying",
            };
            Assert.Equal((true, PolicyBlocker.None, $"{expected}: {Deploying}"), (decision.Start, decision.Blocker, decision.Line));
            Assert.Equal(skippable.Select(b => b.Blocker), decision.Skipped);
            Assert.Equal(["buildbotcustom", "tools"], decision.ChangedRepos);
        }
    }

    [Fact]
    public void Decide_CiFailed_WaitsForANewHeadAndSaysSo()
    {
        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [Custom(), Tools(new CiStatus(CiState.Failure, "failed: ci/build"))] });

        Assert.Equal(PolicyBlocker.CiFailed, decision.Blocker);
        Assert.Equal("waiting: CI failed for tools abc123def456 (failed: ci/build); waiting for a new head", decision.Line);
    }

    [Fact]
    public void Decide_CiUnknown_WaitsAndGivesTheReason()
    {
        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [Custom(), Tools(new CiStatus(CiState.Unknown, "CI did not answer within 10s"))] });

        Assert.Equal(PolicyBlocker.CiUnknown, decision.Blocker);
        Assert.Equal("waiting: CI state unknown for tools abc123def456 (CI did not answer within 10s)", decision.Line);
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
        var tools = Tools(new CiStatus(CiState.Failure)) with { DeployedRevision = ToolsHead };

        var decision = DeployPolicy.Decide(Snapshot() with { Repos = [Custom(), tools] });

        Assert.True(decision.Start);
        Assert.Equal("deploying: buildbotcustom feedfacecafe", decision.Line);
    }

    [Fact]
    public void Decide_DeployedRevisionIsShortHgIdent_CountsAsDeployed()
    {
        var repos = new[] { Custom() with { DeployedRevision = CustomHead[..12] }, Tools() with { DeployedRevision = ToolsHead[..12] + "+" } };

        Assert.Equal(NothingLine, DeployPolicy.Decide(Snapshot() with { Repos = repos }).Line);
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

        Assert.Equal("waiting: tools pushed under a minute ago, quiet in 5 min", decision.Line);
    }

    [Fact]
    public void Decide_SeveralHolds_NamesTheOneEndingLast()
    {
        var bob = AliceHold with { HolderId = "u-bob", HolderName = "bob", Reason = "", ExpiresAt = Now.AddHours(5) };

        var decision = DeployPolicy.Decide(Snapshot() with { Holds = [AliceHold, bob] });

        Assert.Equal("waiting: bob holds the lock until 17:00, and 1 other hold", decision.Line);
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

        Assert.Equal("waiting: freeze \"db migration\" by carol until 13:30", decision.Line);
    }

    [Fact]
    public void Decide_TimesInConfiguredZone_AndOtherDaysWithDate()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var hold = AliceHold with { ExpiresAt = Now.AddHours(12) };

        var decision = DeployPolicy.Decide(Snapshot() with { TimeZone = berlin, Holds = [hold] });

        Assert.Equal("waiting: alice holds the lock until Nov 26 01:00 (landing bug 123)", decision.Line);
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
                DeployedRevision = nothingToDeploy ? CustomHead : "1111111111111111111111111111111111111111",
                LastPushAt = recentPush ? Now.AddMinutes(-2) : Now.AddHours(-1),
            },
            Tools(new CiStatus(ciPending ? CiState.Pending : CiState.Success)) with
            {
                DeployedRevision = nothingToDeploy ? ToolsHead : "2222222222222222222222222222222222222222",
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
        DeployedRevision = "1111111111111111111111111111111111111111",
        LastPushAt = Now.AddHours(-1),
    };

    private static RepoSnapshot Tools(CiStatus? ci = null) => new()
    {
        Name = "tools",
        ProductionHead = ToolsHead,
        DeployedRevision = "2222222222222222222222222222222222222222",
        LastPushAt = Now.AddHours(-2),
        Ci = ci ?? new CiStatus(CiState.Success),
    };
}
