using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.CommitHolds;
using ChatOpsReconfig.Deployer.Locks;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>Who holds a hold and why (pinned; the Deployer stores the rollback hold's rollout and requester and the commit hold's commits, not sentences).</summary>
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

    private static HoldCommit C(string rev, string author, string reason) => new() { Rev = rev, Author = author, Reason = reason };

    [Fact]
    public void CommitHold_NamesTheCommitAndHowToRelease()
    {
        var hold = new Hold { HolderId = CommitHoldService.Holder, HolderName = "commit", Reason = "run migrate.sh", Commits = [C("1a2b3c4d5e6f7a8b", "alice", "run migrate.sh")] };

        Assert.Equal("commit 1a2b3c4d5e6f (alice)", HoldText.Holder(hold));
        Assert.Equal("run migrate.sh; !unlock commit to release", HoldText.Reason(hold));
    }

    [Fact]
    public void CommitHold_OfSeveralCommits_NamesEachOnce_AndSaysWhenNoReasonWasGiven()
    {
        var hold = new Hold
        {
            HolderId = CommitHoldService.Holder, HolderName = "commit",
            Commits = [C("1a2b3c4d5e6f7a8b", "alice", ""), C("9f8e7d6c5b4a3928", "bob", "db first"), C("aaaabbbbccccdddd", "carol", "")],
        };

        Assert.Equal("commits 1a2b3c4d5e6f, 9f8e7d6c5b4a, aaaabbbbcccc", HoldText.Holder(hold));
        Assert.Equal("no reason given; db first; !unlock commit to release", HoldText.Reason(hold));
    }

    [Fact]
    public void CommitHold_OfAnOlderBuild_KeepsItsStoredWords()
    {
        var hold = new Hold { HolderId = CommitHoldService.Holder, HolderName = "commit 1a2b3c4 (alice)", Reason = "db first; !unlock commit to release" };

        Assert.Equal(("commit 1a2b3c4 (alice)", "db first; !unlock commit to release"), (HoldText.Holder(hold), HoldText.Reason(hold)));
    }

    [Fact]
    public void CommitHold_MergeLine_UsesThePrefix_AndEchoesThroughTheSanitizer() =>
        Assert.Equal(
            "held by commit 1a2b3c4d5e6f (@\u200Beveryone): no reason given; ?unlock commit to release",
            HoldText.CommitHold(new CommitHold("tools", "1a2b3c4d5e6f7a8b", "@everyone", ""), "?"));
}
