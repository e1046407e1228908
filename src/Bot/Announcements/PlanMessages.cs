using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// The door's plan in words: the set per repo (unchanged, or from → to with the commits going out), the hosts in
/// run order, the hosts left out and why. <c>!deploy plan</c>, <c>chatops deploy --plan</c> and the start message of
/// an automatic rollout all say it this way.
/// </summary>
internal static class PlanMessages
{
    /// <summary>Commits listed per repo; the rest are counted.</summary>
    private const int CommitsShown = 5;

    public static IReadOnlyList<string> Lines(DeployPlan plan, PolicyDecision decision, TimeZoneInfo zone)
    {
        var lines = new List<string>();
        var verb = plan.RollbackTo is { } to ? $"ROLLBACK to the set of rollout #{to}" : plan.ResumeOf is { } of ? $"resume of rollout #{of}" : "roll out";
        var canary = plan.CanaryCount > 0 ? $", canary {string.Join(", ", plan.Hosts.Take(plan.CanaryCount))} first" : "";
        lines.Add($"plan: {verb} to {plan.Hosts.Count} host(s){canary}" + (plan.AlreadyAtSet.Count > 0 ? $"; {plan.AlreadyAtSet.Count} already run the set" : ""));
        lines.AddRange(Changes(plan.Changes));
        if (plan.Hosts.Count > 0) lines.Add("hosts in order: " + string.Join(", ", plan.Hosts.Take(30)) + (plan.Hosts.Count > 30 ? $", … ({plan.Hosts.Count - 30} more)" : ""));
        foreach (var r in plan.Refused.Take(10)) lines.Add("not touched: " + Refusal(r));
        if (plan.Refused.Count > 10) lines.Add($"… and {plan.Refused.Count - 10} more hosts not touched");
        lines.Add((decision.Start ? "policy: would start now: " : "policy: ") + PolicyText.Line(decision, zone));
        return lines;
    }

    /// <summary>Per repo: <c>tools unchanged (48e1d2d59df9)</c> or <c>tools 1a2b… → 3c4d… (2 commits)</c> and the commits.</summary>
    public static IEnumerable<string> Changes(IReadOnlyList<RepoChange> changes)
    {
        foreach (var c in changes)
        {
            if (c.Unchanged)
            {
                yield return $"  {c.Repo} unchanged ({RevisionSet.Short(c.To)})";
                continue;
            }

            var count = c.TotalCommits > 0 ? $" ({c.TotalCommits} commit{(c.TotalCommits == 1 ? "" : "s")})" : "";
            yield return $"  {c.Repo} {(c.From is null ? "" : RevisionSet.Short(c.From) + " → ")}{RevisionSet.Short(c.To)}{count}";
            foreach (var commit in c.Commits.TakeLast(CommitsShown))
            {
                var bugs = commit.Bugs.Count > 0 ? " [bug " + string.Join(", ", commit.Bugs) + "]" : "";
                yield return $"    {RevisionSet.Short(commit.Rev)} {SafeText.Clean(commit.Author, 40)}: {SafeText.Clean(commit.Summary, 100)}{bugs}";
            }

            if (c.Commits.Count > CommitsShown) yield return $"    … and {c.Commits.Count - CommitsShown} earlier";
        }
    }

    public static string Refusal(HostRefusal r) => r.Kind switch
    {
        HostRefusalKind.SetOlderThanLastRollout =>
            $"{r.Host}: {r.Repo} {RevisionSet.Short(r.SetRevision)} does not descend from {RevisionSet.Short(r.HostRevision)}, the last set rolled out (would move backward)",
        _ => $"{r.Host}: runs {r.Repo} {RevisionSet.Short(r.HostRevision)}, and the set's {RevisionSet.Short(r.SetRevision)} does not descend from it (would move backward)",
    };
}
