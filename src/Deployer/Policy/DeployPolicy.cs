using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// Decides, from a <see cref="PolicySnapshot"/>, whether a rollout starts now. A rollout starts when no rollout is
/// running, some repo's production head is not deployed, no hold is active, no freeze is open, every repo has
/// been quiet for its quiet window, and CI is green for the new head of every gated repo that changed.
/// <c>!deploy now</c> skips the quiet window; <c>--force</c> skips holds, freezes, the quiet window and CI, and
/// says what it skipped. Checks run in that order, so the line names the condition likely to last longest
/// (a freeze until evening before a push two minutes ago). Pure: no clock, no I/O.
/// </summary>
public static class DeployPolicy
{
    public static PolicyDecision Decide(PolicySnapshot s)
    {
        if (s.RolloutRunning) return Wait(PolicyBlocker.RolloutRunning, "waiting: a rollout is already running");

        var changed = s.Repos.Where(r => r.ProductionHead is not null && r.Pending).ToList();
        if (changed.Count == 0) return Wait(PolicyBlocker.NothingToDeploy, "nothing to deploy: no merge is waiting");

        var names = changed.Select(r => r.Name).ToList();
        var skipped = new List<(PolicyBlocker Blocker, string Text)>();
        foreach (var (blocker, text) in Blockers(s, changed))
        {
            if (!Skips(s.Trigger, blocker)) return Wait(blocker, "waiting: " + text) with { ChangedRepos = names };
            skipped.Add((blocker, text));
        }

        var what = string.Join(", ", changed.Select(r => $"{r.Name} {RevisionSet.Short(r.ProductionHead)}"));
        var how = s.Trigger switch
        {
            TriggerKind.DeployNowForce => skipped.Count == 0 ? "deploying now (forced; nothing was blocking)" : $"deploying now (forced; skipped: {string.Join("; ", skipped.Select(b => b.Text))})",
            TriggerKind.DeployNow => skipped.Count == 0 ? "deploying now" : $"deploying now (skipped: {string.Join("; ", skipped.Select(b => b.Text))})",
            _ => "deploying",
        };
        return new PolicyDecision
        {
            Start = true,
            Blocker = PolicyBlocker.None,
            Line = $"{how}: {what}",
            ChangedRepos = names,
            Skipped = skipped.Select(b => b.Blocker).ToList(),
        };
    }

    private static bool Skips(TriggerKind trigger, PolicyBlocker blocker) => trigger switch
    {
        TriggerKind.DeployNowForce => true,
        TriggerKind.DeployNow => blocker == PolicyBlocker.Quiet,
        _ => false,
    };

    /// <summary>Every condition that blocks, in check order, each with its text for people.</summary>
    private static IEnumerable<(PolicyBlocker Blocker, string Text)> Blockers(PolicySnapshot s, IReadOnlyList<RepoSnapshot> changed)
    {
        var holds = s.Holds.Where(h => h.IsActiveAt(s.Now)).OrderByDescending(h => h.ExpiresAt).ToList();
        if (holds.Count > 0)
        {
            var h = holds[0];
            var others = holds.Count switch { 1 => "", 2 => ", and 1 other hold", _ => $", and {holds.Count - 1} other holds" };
            var until = h.UntilReleased ? "until released" : $"until {Clock(s, h.ExpiresAt)}";
            yield return (PolicyBlocker.Hold, $"{HumanNames.With(h.HolderName, "holds")} the lock {until}{(h.Reason.Length > 0 ? $" ({h.Reason})" : "")}{others}");
        }

        var freeze = s.Freezes.Where(f => f.Until > s.Now).MaxBy(f => f.Until);
        if (freeze is not null)
            yield return (PolicyBlocker.Freeze, $"freeze \"{freeze.Reason}\"{(freeze.By is null ? "" : $" by {freeze.By}")} until {Clock(s, freeze.Until)}");

        var loudest = s.Repos
            .Where(r => r.LastPushAt is not null)
            .Select(r => new { Repo = r, PushedAt = r.LastPushAt!.Value, QuietAt = r.LastPushAt!.Value + TimeSpan.FromMinutes(r.QuietMinutes ?? s.QuietMinutes) }) // filtered on the line above
            .Where(x => x.QuietAt > s.Now)
            .MaxBy(x => x.QuietAt);
        if (loudest is not null)
            yield return (PolicyBlocker.Quiet, $"{loudest.Repo.Name} pushed {HumanTime.MinutesSince(s.Now - loudest.PushedAt)} ago, quiet in {HumanTime.MinutesUntil(loudest.QuietAt - s.Now)}");

        // A failure needs a new push, so it is named before a gate that did not answer and before one still running.
        var ci = changed
            .Where(r => r.Ci is { State: not CiState.Success })
            .Select(r => (Repo: r, Ci: r.Ci!)) // filtered on the line above
            .OrderBy(x => x.Ci.State switch { CiState.Failure => 0, CiState.Unknown => 1, _ => 2 })
            .FirstOrDefault();
        if (ci.Repo is not null)
        {
            var (blocker, verb) = ci.Ci.State switch
            {
                CiState.Failure => (PolicyBlocker.CiFailed, "failed"),
                CiState.Unknown => (PolicyBlocker.CiUnknown, "state unknown"),
                _ => (PolicyBlocker.CiPending, "pending"),
            };
            var detail = ci.Ci.Message.Length > 0 ? $" ({ci.Ci.Message})" : "";
            var next = ci.Ci.State == CiState.Failure ? "; waiting for a new head" : "";
            yield return (blocker, $"CI {verb} for {ci.Repo.Name} {RevisionSet.Short(ci.Repo.ProductionHead)}{detail}{next}");
        }
    }

    private static PolicyDecision Wait(PolicyBlocker blocker, string line) => new() { Start = false, Blocker = blocker, Line = line };

    private static string Clock(PolicySnapshot s, DateTimeOffset t) => HumanTime.Clock(t, s.Now, s.TimeZone);
}
