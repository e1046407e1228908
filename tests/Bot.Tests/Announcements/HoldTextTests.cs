using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Locks;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>Why a hold is held (pinned; the Deployer stores the rollback hold's rollout and requester, not a sentence).</summary>
public sealed class HoldTextTests
{
    [Fact]
    public void RollbackHold_SaysWhoRolledBackAndHowToResume() =>
        Assert.Equal(
            "rolled back by alice to the set of rollout #7: !unlock rollback to resume automatic rollouts",
            HoldText.Reason(new Hold { HolderId = Hold.RollbackHolder, HolderName = "rollback", RollbackTo = 7, PlacedBy = "alice" }));

    [Fact]
    public void RollbackHold_EchoesTheNameAsAToken() =>
        Assert.Equal(
            "rolled back by @\u200Beveryone <U+200B> to the set of rollout #7: !unlock rollback to resume automatic rollouts",
            HoldText.Reason(new Hold { HolderId = Hold.RollbackHolder, HolderName = "rollback", RollbackTo = 7, PlacedBy = "@everyone \u200B" }));

    [Fact]
    public void OtherHolds_AndRollbackHoldsOfOlderBuilds_ShowTheirReason()
    {
        Assert.Equal("landing", HoldText.Reason(new Hold { HolderId = "u1", Reason = "landing", PlacedBy = "alice", RollbackTo = 7 }));
        Assert.Equal("rolled back by bob to the set of rollout #3: !unlock rollback to resume automatic rollouts",
            HoldText.Reason(new Hold { HolderId = Hold.RollbackHolder, Reason = "rolled back by bob to the set of rollout #3: !unlock rollback to resume automatic rollouts" }));
        Assert.Equal("", HoldText.Reason(new Hold { HolderId = "u1" }));
    }
}
