namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// Decides, from a <see cref="PolicySnapshot"/>, whether a rollout starts now. A rollout starts when no rollout is
/// running, some repo's production head is not deployed, no hold is active, no freeze is open, every repo has
/// been quiet for its quiet window, and CI is green for the new head of every gated repo that changed.
/// <c>!deploy now</c> skips the quiet window; <c>--force</c> skips holds, freezes, the quiet window and CI, and
/// says what it skipped. Checks run in that order, so the reason names the condition likely to last longest
/// (a freeze until evening before a push two minutes ago). Pure: no clock, no I/O.
/// </summary>
public static class DeployPolicy
{
    public static PolicyDecision Decide(PolicySnapshot s)
    {
        if (s.RolloutRunning) return Wait(s, PolicyBlocker.RolloutRunning, new RolloutRunningWait());

        var changed = s.Repos.Where(r => r.ProductionHead is not null && r.Pending).ToList();
        if (changed.Count == 0) return Wait(s, PolicyBlocker.NothingToDeploy, new NothingToDeployWait(NothingKind.NoMerge));

        var names = changed.Select(r => r.Name).ToList();
        var skipped = new List<(PolicyBlocker Blocker, PolicyReason Reason)>();
        foreach (var (blocker, reason) in Blockers(s, changed))
        {
            if (!Skips(s.Trigger, blocker)) return Wait(s, blocker, reason) with { ChangedRepos = names };
            skipped.Add((blocker, reason));
        }

        return new PolicyDecision
        {
            Start = true,
            Blocker = PolicyBlocker.None,
            At = s.Now,
            Trigger = s.Trigger,
            ChangedRepos = names,
            Deploying = changed.Select(r => new RepoHead(r.Name, r.ProductionHead)).ToList(),
            Skipped = skipped.Select(b => b.Reason).ToList(),
        };
    }

    private static bool Skips(TriggerKind trigger, PolicyBlocker blocker) => trigger switch
    {
        TriggerKind.DeployNowForce => true,
        TriggerKind.DeployNow => blocker == PolicyBlocker.Quiet,
        _ => false,
    };

    /// <summary>Every condition that blocks, in check order, each with its facts.</summary>
    private static IEnumerable<(PolicyBlocker Blocker, PolicyReason Reason)> Blockers(PolicySnapshot s, IReadOnlyList<RepoSnapshot> changed)
    {
        var holds = s.Holds.Where(h => h.IsActiveAt(s.Now)).OrderByDescending(h => h.ExpiresAt).ToList();
        if (holds.Count > 0)
        {
            var h = holds[0];
            yield return (PolicyBlocker.Hold, new HoldWait(h.HolderName, h.UntilReleased ? null : h.ExpiresAt, h.Reason, holds.Count - 1, h.RollbackTo, h.HolderId == Locks.Hold.RollbackHolder ? h.PlacedBy : null, h.Commits));
        }

        var freeze = s.Freezes.Where(f => f.Until > s.Now).MaxBy(f => f.Until);
        if (freeze is not null) yield return (PolicyBlocker.Freeze, new FreezeWait(freeze.Reason, freeze.By, freeze.Until));

        var loudest = s.Repos
            .Where(r => r.LastPushAt is not null)
            .Select(r => new { Repo = r, PushedAt = r.LastPushAt!.Value, QuietAt = r.LastPushAt!.Value + TimeSpan.FromMinutes(r.QuietMinutes ?? s.QuietMinutes) }) // filtered on the line above
            .Where(x => x.QuietAt > s.Now)
            .MaxBy(x => x.QuietAt);
        if (loudest is not null) yield return (PolicyBlocker.Quiet, new QuietWait(loudest.Repo.Name, loudest.PushedAt, loudest.QuietAt));

        // A failure needs a new push, so it is named before a gate that did not answer and before one still running.
        var ci = changed
            .Where(r => r.Ci is { State: not CiState.Success })
            .Select(r => (Repo: r, Ci: r.Ci!)) // filtered on the line above
            .OrderBy(x => x.Ci.State switch { CiState.Failure => 0, CiState.Unknown => 1, _ => 2 })
            .FirstOrDefault();
        if (ci.Repo is not null)
        {
            var blocker = ci.Ci.State switch
            {
                CiState.Failure => PolicyBlocker.CiFailed,
                CiState.Unknown => PolicyBlocker.CiUnknown,
                _ => PolicyBlocker.CiPending,
            };
            yield return (blocker, new CiWait(ci.Repo.Name, ci.Repo.ProductionHead, ci.Ci));
        }
    }

    private static PolicyDecision Wait(PolicySnapshot s, PolicyBlocker blocker, PolicyReason reason) =>
        new() { Start = false, Blocker = blocker, Reason = reason, At = s.Now, Trigger = s.Trigger };
}
