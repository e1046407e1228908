using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Tests.Policy;

/// <summary>Decisions are kept in the store as JSON: every reason comes back as it went in.</summary>
public sealed class PolicyDecisionJsonTests
{
    public static TheoryData<PolicyReason> Reasons() => new()
    {
        new RolloutRunningWait(3, "alice", DateTimeOffset.UnixEpoch, 1, 5, 0),
        new NotReadyWait(1, 2),
        new TargetUnknown(TargetProblem.NoSuchRollout, 42),
        new NoHostsWait(NoHostsProblem.NoneEnabled),
        new BackwardWait(new HostRefusal("bm01", "tools", "abc", "def", HostRefusalKind.HostWouldMoveBack), 2),
        new NothingToDeployWait(NothingKind.AllAtSet, 3),
        new HoldWait("alice", null, "landing", 0),
        new FreezeWait("release", "carol", DateTimeOffset.UnixEpoch),
        new QuietWait("tools", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddMinutes(5)),
        new CiWait("tools", "abc", new CiStatus(CiState.Unknown, CiAnswer.Timeout) { After = TimeSpan.FromSeconds(10) }),
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Serialize_ThenDeserialize_GivesTheSameAnswer(PolicyReason reason)
    {
        var decision = new PolicyDecision { Blocker = PolicyBlocker.Hold, Reason = reason, Skipped = [reason], Resume = new ResumeNote(2) };

        var back = PolicyDecisionJson.Deserialize(PolicyDecisionJson.Serialize(decision));

        Assert.True(PolicyDecisionJson.SameAnswer(decision, back));
        Assert.Equal(reason.GetType(), back!.Reason!.GetType());
    }
}
