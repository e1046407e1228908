using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>
/// The policy's answers in words (<see cref="PolicyText"/>). Which answer the policy gives is Deployer.Tests'
/// DeployPolicyTests; here each typed answer is said the way chat, the status page and the CLI say it.
/// </summary>
public sealed class PolicyTextTests
{
    private static readonly DateTimeOffset Now = new(2025, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private const string CustomHead = "feedfacecafe00010002000300040005";
    private const string ToolsHead = "abc123def4567890abc123def4567890";

    private static readonly HoldWait Hold = new("alice", Now.AddMinutes(150), "landing bug 123", 0);
    private static readonly FreezeWait Freeze = new("release week", null, Now.AddHours(6));
    private static readonly QuietWait Quiet = new("buildbotcustom", Now.AddMinutes(-2), Now.AddMinutes(3));
    private static readonly CiWait CiPending = new("tools", ToolsHead, new CiStatus(CiState.Pending));

    private const string HoldText = "alice holds the lock until 14:30 UTC (landing bug 123)";
    private const string FreezeText = "freeze \"release week\" until 18:00 UTC";
    private const string QuietText = "buildbotcustom pushed 2 min ago, quiet in 3 min";
    private const string CiText = "CI pending for tools abc123def456";
    private const string Deploying = "buildbotcustom feedfacecafe, tools abc123def456";

    private static string Line(PolicyDecision decision) => PolicyText.Line(decision, TimeZoneInfo.Utc);

    private static PolicyDecision Wait(PolicyReason reason) => new() { Reason = reason, At = Now };

    private static PolicyDecision Start(TriggerKind trigger, params PolicyReason[] skipped) => new()
    {
        Start = true,
        At = Now,
        Trigger = trigger,
        Deploying = [new RepoHead("buildbotcustom", CustomHead), new RepoHead("tools", ToolsHead)],
        Skipped = skipped,
    };

    public static TheoryData<PolicyDecision, string> Lines() => new()
    {
        { Start(TriggerKind.Automatic), "deploying: " + Deploying },
        { Start(TriggerKind.DeployNow), "deploying now: " + Deploying },
        { Start(TriggerKind.DeployNowForce), "deploying now (forced; nothing was blocking): " + Deploying },
        { Start(TriggerKind.DeployNowForce, Hold), $"deploying now (forced; skipped: {HoldText}): {Deploying}" },
        { Start(TriggerKind.DeployNow, Quiet), $"deploying now (skipped: {QuietText}): {Deploying}" },
        { Start(TriggerKind.DeployNowForce, Hold, Freeze, Quiet, CiPending), $"deploying now (forced; skipped: {HoldText}; {FreezeText}; {QuietText}; {CiText}): {Deploying}" },
        { Wait(new RolloutRunningWait()), "waiting: a rollout is already running" },
        { Wait(new RolloutRunningWait(3, "bob")), "waiting: rollout #3 started by bob is running" },
        { Wait(new RolloutRunningWait(3, "bob", Now.AddMinutes(-4), 10, 40, 1)), "waiting: rollout #3 started by bob 4 min ago is running: 10/40 done, 1 failed" },
        { Wait(new NotReadyWait(1, 3)), "starting: reading production heads (1/3 repos)" },
        { Wait(new NothingToDeployWait(NothingKind.NoMerge)), "nothing to deploy: no merge is waiting" },
        { Wait(new NothingToDeployWait(NothingKind.AllAtSet, 5)), "nothing to deploy: every targeted host already runs the set (5 hosts); --again runs the steps again" },
        { Wait(new NothingToDeployWait(NothingKind.NoHostNeedsSet)), "nothing to deploy: no host needs the set" },
        { Wait(Hold), "waiting: " + HoldText },
        { Wait(Hold with { Until = null, Others = 2 }), "waiting: alice holds the lock until released (landing bug 123), and 2 other holds" },
        { Wait(new HoldWait("you", Now.AddHours(1), "", 0)), "waiting: you hold the lock until 13:00 UTC" },
        { Wait(new HoldWait("bob", Now.AddHours(5), "", 1)), "waiting: bob holds the lock until 17:00 UTC, and 1 other hold" },
        { Wait(new HoldWait("commit", null, "run migrate.sh", 0, Commits: [new() { Rev = "1a2b3c4d5e6f7a8b9c0d", Author = "Alice Releng", Reason = "run migrate.sh" }])), "waiting: commit 1a2b3c4d5e6f (Alice Releng) holds the lock until released (run migrate.sh; !unlock commit to release)" },
        { Wait(Freeze), "waiting: " + FreezeText },
        { Wait(new FreezeWait("db migration", "carol", Now.AddMinutes(90))), "waiting: freeze \"db migration\" by carol until 13:30 UTC" },
        { Wait(new FreezeWait("", "carol", Now.AddMinutes(90))), "waiting: freeze \"ad-hoc freeze\" by carol until 13:30 UTC" },
        { Wait(Quiet), "waiting: " + QuietText },
        { Wait(new QuietWait("tools", Now.AddSeconds(-20), Now.AddSeconds(280))), "waiting: tools pushed under a minute ago, quiet in 5 min" },
        // A window of a fraction of a minute (quietMinutes 0.2): the last minute counts in seconds, rounded up.
        { Wait(new QuietWait("tools", Now.AddSeconds(-3), Now.AddSeconds(8.5))), "waiting: tools pushed under a minute ago, quiet in 9s" },
        { Wait(new QuietWait("tools", Now.AddMinutes(-4), Now.AddSeconds(59.5))), "waiting: tools pushed 4 min ago, quiet in 1 min" },
        { Wait(CiPending), "waiting: " + CiText },
        { Wait(new CiWait("tools", ToolsHead, new CiStatus(CiState.Failure) { Checks = ["ci/build"] })), "waiting: CI failed for tools abc123def456 (failed: ci/build); waiting for a new head" },
        { Wait(new CiWait("tools", ToolsHead, new CiStatus(CiState.Unknown, CiAnswer.Timeout) { After = TimeSpan.FromSeconds(10) })), "waiting: CI state unknown for tools abc123def456 (CI did not answer within 10s)" },
        { Wait(new TargetUnknown(TargetProblem.NoSuchRollout, 42)), "no rollout #42; !history lists them" },
        { Wait(new TargetUnknown(TargetProblem.NoSucceededRollout)), "no succeeded rollout to roll back from; name one: !rollback #N" },
        { Wait(new TargetUnknown(TargetProblem.HeadsUnreadable, Unreadable: [new UnreadableRepo("tools", new RepoFailure { Kind = RepoFailureKind.TimedOut, Command = "git fetch", TimeoutSeconds = 60 }), new UnreadableRepo("custom", null)])), "cannot read production heads: tools (git fetch timed out after 60s), custom" },
        { Wait(new TargetUnknown(TargetProblem.HeadsUnreadable, Unreadable: [new UnreadableRepo("configs", null, "timeout")])), "cannot read production heads: configs (timeout)" },
        { Wait(new NoHostsWait(NoHostsProblem.UnknownHosts, ["bm99", "bm98"])), "unknown host(s): bm99, bm98" },
        { Wait(new NoHostsWait(NoHostsProblem.NoneEnabled)), "no enabled hosts to roll out to" },
        {
            Wait(new BackwardWait(new HostRefusal("bm01", "tools", "1111222233334444", "5555666677778888", HostRefusalKind.HostWouldMoveBack), 3)),
            "not deploying: every host would move backward (bm01 tools at 111122223333, the set has 555566667777, and 2 more); !rollback moves the fleet back on purpose"
        },
        { Wait(Hold) with { Resume = new ResumeNote(7) }, "resume of interrupted rollout #7 waiting: " + HoldText },
        { Start(TriggerKind.DeployNow) with { Resume = new ResumeNote(7, 2) }, "resuming interrupted rollout #7 on 2 host(s)" },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void Line_Decision_ReadsAsDocumented(PolicyDecision decision, string expected) => Assert.Equal(expected, Line(decision));

    [Fact]
    public void Line_TimesInTheChatZone_AndOtherDaysWithDate()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        var line = PolicyText.Line(Wait(Hold with { Until = Now.AddHours(12) }), berlin);

        Assert.Equal("waiting: alice holds the lock until Nov 26 01:00 Europe/Berlin (landing bug 123)", line);
    }

    [Fact]
    public void Lag_EachCause_InOneLine()
    {
        var held = new HeldByLock([new() { HolderId = "u-alice", HolderName = "alice", Reason = "landing", Since = Now.AddMinutes(-30), ExpiresAt = Now.AddHours(1) }], Now);

        var timedOut = new CommandError { Kind = CommandErrorKind.TimedOut, Seconds = 30, Stop = new CommandStop { Kind = StopKind.Killed, ProcessGroup = 4711 } };
        var refused = HostFailure.Connect(new ConnectFailure { Kind = ConnectFailureKind.Unreachable, Problem = ConnectProblem.ConnectionRefused, Host = "bm04 (10.0.0.4:22)" });

        Assert.Equal("updated, not reconfigured: rollout #4 stopped at checkconfig", PolicyText.Lag(new StoppedPartway(4, "checkconfig"), TimeZoneInfo.Utc));
        Assert.Equal("last rollout #4 failed at update: fatal: bad object", PolicyText.Lag(new LastRolloutFailed(4, "update", new HostFailure { Kind = HostFailureKind.Step, Step = "update", Detail = "fatal: bad object" }), TimeZoneInfo.Utc));
        Assert.Equal("last rollout #4 failed at update: timed out after 30s; process group 4711 killed", PolicyText.Lag(new LastRolloutFailed(4, "update", new HostFailure { Kind = HostFailureKind.Step, Step = "update", CommandError = timedOut }), TimeZoneInfo.Utc));
        Assert.Equal("last rollout #4 failed at update: exit 1", PolicyText.Lag(new LastRolloutFailed(4, "update", null, "exit 1"), TimeZoneInfo.Utc));
        Assert.Equal("unreachable: cannot reach bm04 (10.0.0.4:22): connection refused (is sshd running on that port?)", PolicyText.Lag(new HostUnreachable(refused), TimeZoneInfo.Utc));
        Assert.Equal("unreachable: connection refused", PolicyText.Lag(new HostUnreachable(null, "connection refused"), TimeZoneInfo.Utc));
        Assert.Equal("held by the lock: alice since 11:30 UTC (landing)", PolicyText.Lag(held, TimeZoneInfo.Utc));
        Assert.Equal("nothing to deploy: no merge is waiting", PolicyText.Lag(new PolicyWaits(Wait(new NothingToDeployWait(NothingKind.NoMerge))), TimeZoneInfo.Utc));
    }
}
