using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>The texts people see about a rollout: start, progress line, results (summary first, failures first).</summary>
internal static class RolloutMessages
{
    public static string Started(RolloutRecord r)
    {
        var canary = r.CanaryCount > 0 ? $", canary {string.Join(", ", r.Hosts.Take(r.CanaryCount))} first" : "";
        var forced = r.Forced ? " FORCED (lock, freezes and CI ignored)" : "";
        var resumed = r.ResumedFrom is { } from ? $", resuming interrupted #{from}" : "";
        var word = r.RollbackTo is { } to ? $"ROLLBACK: rollout #{r.Id} to the set of #{to}" : $"rollout #{r.Id}";
        var lines = new List<string> { $"{word} started by {SafeText.Clean(r.StartedBy, 40)} ({RolloutText.Reason(r)}){forced}{resumed}: {r.Hosts.Count} hosts{canary}" };
        if (r.Changes.Count > 0) lines.AddRange(PlanMessages.Changes(r.Changes));
        else lines.Add("revision set: " + string.Join(", ", r.Revisions.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {RevisionSet.Short(kv.Value)}")));
        lines.AddRange(r.Refused.Select(x => "not touched: " + PlanMessages.Refusal(x)));
        if (r.RollbackTo is not null) lines.Add("automatic rollouts are held until !unlock rollback");
        return string.Join('\n', lines);
    }

    /// <summary><c>rollout #3: 3/40 done, 1 failed…</c>; hosts that never started are named as such, not counted as done.</summary>
    public static string Progress(int id, int done, int total, int failed, bool finished = false, int notStarted = 0) =>
        $"rollout #{id}: {done - notStarted}/{total} done" + (failed > 0 ? $", {failed} failed" : "") + (notStarted > 0 ? $", {notStarted} not started" : "") + (finished ? "" : "…");

    public static string Progress(HostFinished f) => Progress(f.RolloutId, f.Done, f.Total, f.Failed, f.Done == f.Total, f.NotStarted);

    /// <summary>Whether <paramref name="done"/> of <paramref name="total"/> crosses a quarter (25%, 50%, 75%, 100%).</summary>
    public static bool IsMilestone(int done, int total) =>
        total > 0 && done > 0 && done <= total && (done * 4 / total) > ((done - 1) * 4 / total);

    public static string Summary(RolloutRecord r, IReadOnlyList<HostResult> results)
    {
        var took = r.FinishedAt is { } f ? $" in {HumanTime.Duration(f - r.StartedAt)}" : "";
        var word = r.State switch
        {
            RolloutState.Succeeded => "OK",
            RolloutState.Halted => "HALTED",
            RolloutState.Cancelled => "CANCELLED",
            RolloutState.Interrupted => "INTERRUPTED",
            _ => "FAILED",
        };
        var failures = results.Where(x => x.Outcome is HostOutcome.Failed or HostOutcome.Unreachable)
            .Select(x => x.Outcome == HostOutcome.Unreachable ? $"{x.Host} unreachable" : $"{x.Host} at {x.FailedStep ?? "?"}")
            .Take(5).ToList();
        var failText = failures.Count == 0 ? "" : " — " + string.Join(", ", failures) + (results.Count(x => x.Outcome is HostOutcome.Failed or HostOutcome.Unreachable) > 5 ? ", …" : "");
        return $"{word}: rollout #{r.Id} {r.State.ToString().ToLowerInvariant()}{took}: {RolloutText.Summary(r)}{failText}";
    }

    /// <summary>Per-host table, failures first, in chunks under the transport's limit.</summary>
    public static IReadOnlyList<string> Results(RolloutRecord r, IReadOnlyList<HostResult> results, int limit)
    {
        var table = new TextTable("host", "result", "failed step", "before → after", "duration", "detail") { MaxCell = 200 };
        foreach (var x in results.OrderBy(x => Rank(x.Outcome)).ThenBy(x => r.Hosts.IndexOf(x.Host)))
        {
            var changes = string.Join(" ", x.Before.Keys.Union(x.After.Keys).Order(StringComparer.Ordinal).Select(repo =>
            {
                var before = RevisionSet.Short(x.Before.GetValueOrDefault(repo));
                var after = RevisionSet.Short(x.After.GetValueOrDefault(repo));
                return before == after ? $"{repo} {after[..Math.Min(8, after.Length)]}" : $"{repo} {before[..Math.Min(8, before.Length)]}→{after[..Math.Min(8, after.Length)]}";
            }));
            table.Add(x.Host, Outcome(x), x.FailedStep ?? "", changes, x.StartedAt is null ? "-" : HumanTime.Duration(x.Duration), x.Outcome == HostOutcome.Ok ? "" : HostText.Failure(x));
        }

        return table.Chunks(limit);
    }

    public static string Outcome(HostResult x) => x.Outcome switch
    {
        HostOutcome.Ok => "ok",
        HostOutcome.Failed => x.Restored ? "failed, restored" : "failed",
        HostOutcome.Unreachable => "unreachable",
        HostOutcome.Skipped => "not started",
        HostOutcome.Cancelled => "stopped partway",
        _ => x.Outcome.ToString().ToLowerInvariant(),
    };

    private static int Rank(HostOutcome o) => o switch
    {
        HostOutcome.Failed => 0,
        HostOutcome.Unreachable => 1,
        HostOutcome.Skipped => 2,
        HostOutcome.Ok => 4,
        _ => 3,
    };
}
