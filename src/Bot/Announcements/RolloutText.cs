using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// Why a rollout ran and how it ended, in words, from its typed record (chat, CLI, web page, maintenance log). A rollout
/// stored by an older build carries its words instead (<c>LegacyReason</c>, <c>LegacySummary</c>); they are shown as
/// written, through the sanitizer.
/// </summary>
internal static class RolloutText
{
    /// <summary><c>deploy now</c>, <c>automatic: deploying: tools 1a2b3c4d5e6f</c>, <c>resume interrupted rollout #3</c>…</summary>
    public static string Reason(RolloutRecord r)
    {
        if (!string.IsNullOrEmpty(r.LegacyReason)) return SafeText.Clean(r.LegacyReason);
        var reason = r.Trigger switch
        {
            RolloutTrigger.Automatic or RolloutTrigger.Unlock =>
                "automatic: deploying: " + string.Join(", ", r.Deploying.Select(repo => $"{repo} {RevisionSet.Short(r.Revisions.GetValueOrDefault(repo))}")),
            RolloutTrigger.DeployNow => r.Forced ? "deploy now --force" : "deploy now",
            RolloutTrigger.Cli => r.Forced ? "chatops deploy --force" : "chatops deploy",
            RolloutTrigger.Resume => $"resume interrupted rollout #{r.ResumedFrom}",
            RolloutTrigger.Rollback => $"rollback to the set of rollout #{r.RollbackTo}",
            _ => r.Trigger.ToString().ToLowerInvariant(),
        };
        return r.Again ? reason + " --again" : reason;
    }

    /// <summary>
    /// <c>3/3 ok</c>, <c>2/3 ok, 1 failed</c>, <c>canary h1 failed (checkconfig: exit 1); not touched: h2, h3</c>,
    /// <c>interrupted; unfinished: h3, h4</c>; empty while it runs.
    /// </summary>
    public static string Summary(RolloutRecord r)
    {
        if (r.State == RolloutState.Interrupted && r.LegacySummary is null)
            return "interrupted; unfinished: " + (r.Unfinished.Count == 0 ? "none" : Names(r.Unfinished));
        if (r.FailedCanary is { } canary)
        {
            var why = r.CanaryFailure is null ? "" : $" ({HostText.Failure(r.CanaryFailure, null)})";
            return $"canary {SafeText.Clean(canary, 80)} failed{why}; not touched: {Names(r.Hosts.Skip(r.CanaryCount))}";
        }
        if (r.Tally is { } t) return Tally(t);
        return SafeText.Clean(r.LegacySummary);
    }

    /// <summary><see cref="Summary"/>, or null while the rollout runs (the web views leave it out).</summary>
    public static string? SummaryOrNull(RolloutRecord r) => Summary(r) is { Length: > 0 } s ? s : null;

    /// <summary><c>2/3 ok, 1 failed, 1 unreachable, 1 stopped partway, 1 not started</c>.</summary>
    public static string Tally(RolloutTally t)
    {
        var parts = new List<string> { $"{t.Ok}/{t.Total} ok" };
        if (t.Failed > 0) parts.Add($"{t.Failed} failed");
        if (t.Unreachable > 0) parts.Add($"{t.Unreachable} unreachable");
        if (t.Cancelled > 0) parts.Add($"{t.Cancelled} stopped partway");
        if (t.Skipped > 0) parts.Add($"{t.Skipped} not started");
        return string.Join(", ", parts);
    }

    private static string Names(IEnumerable<string> hosts) => SafeText.Clean(string.Join(", ", hosts), 400);
}
