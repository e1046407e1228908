using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>The words posted to a bug (pinned; the Deployer hands over the rollout, commits and hosts as data).</summary>
public sealed class BugCommentTextTests
{
    private static readonly DateTimeOffset Finished = new(2026, 3, 4, 10, 30, 0, TimeSpan.Zero);

    private static readonly FleetConfig Fleet = new()
    {
        Repos = { ["configs"] = new RepoConfig { Kind = RepoKind.Hg, Url = "https://hg.example.org/configs" } },
    };

    private static readonly RolloutRecord Rollout = new() { Id = 12, StartedAt = Finished.AddMinutes(-3), FinishedAt = Finished };

    private static readonly BugCommit[] Commits = [new("configs", "0123456789abcdef", "alice", "Bump workers")];

    [Fact]
    public void PartialRollout_NamesHostsCommitsAndMarker() =>
        Assert.Equal(
            "Deployed by chatops rollout #12 to 2 of 4 hosts. Finished 2026-03-04 10:30 UTC.\n"
            + "Not deployed yet: bm03 failed at checkconfig, bm04 unreachable. A follow-up comment says when they catch up.\n"
            + "\n"
            + "configs 0123456789ab <https://hg.example.org/configs/rev/0123456789ab> — Bump workers (alice)\n"
            + "\n"
            + "https://chatops.example.org/rollouts/12\n"
            + "[chatops rollout #12]",
            new BugCommentText().Render(null, 7, Rollout, Commits,
                new BugHosts(2, 4, [new("bm03", HostOutcome.Failed, "checkconfig"), new("bm04", HostOutcome.Unreachable, null)]), [], Fleet, "https://chatops.example.org/"));

    [Fact]
    public void InterruptedRollout_HostsTheCrashCutOff_AreNotSaidToHaveFailed() =>
        Assert.Equal(
            "Deployed by chatops rollout #12 to 1 of 4 hosts. Finished 2026-03-04 10:30 UTC.\n"
            + "Not deployed yet: bm02 interrupted when the bot stopped, bm03 not started before the bot stopped, "
            + "bm04 failed at a step. A follow-up comment says when they catch up.\n"
            + "\n"
            + "configs 0123456789ab <https://hg.example.org/configs/rev/0123456789ab> — Bump workers (alice)\n"
            + "[chatops rollout #12]",
            new BugCommentText().Render(null, 7, Rollout, Commits,
                new BugHosts(1, 4,
                [
                    new("bm02", HostOutcome.Failed, null, Interrupted: true),
                    new("bm03", HostOutcome.Skipped, null, Interrupted: true),
                    new("bm04", HostOutcome.Failed, null),
                ]), [], Fleet, null));

    [Fact]
    public void Template_AndCatchUp() =>
        Assert.Equal(
            "Bug 7: rollout 12 reached all 1 host. Finished 2026-03-04 10:30 UTC.\n"
            + "\n"
            + "configs 0123456789ab <https://hg.example.org/configs/rev/0123456789ab> — Bump workers (alice)\n"
            + "\n"
            + "Now deployed to all 4 hosts of rollout #9: bm03, bm04 caught up in rollout #12 (2026-03-04 10:30 UTC).\n"
            + "[chatops rollout #12]",
            new BugCommentText().Render("Bug {bug}: rollout {rollout} reached {hosts}.", 7, Rollout, Commits, new BugHosts(1, 1, []), [new CatchUp(9, 4, ["bm03", "bm04"])], Fleet, null));
}
