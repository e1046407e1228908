using System.Globalization;
using System.Text;
using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// The words posted to a bug: the tracker's template (placeholders <c>{bug}</c>, <c>{rollout}</c>, <c>{hosts}</c>), when
/// it finished, the hosts not deployed yet, the commits, catch-ups of earlier partial rollouts, the status link, and
/// the marker <c>[chatops rollout #N]</c> last, which a template cannot remove.
/// </summary>
public sealed class BugCommentText : IBugCommentText
{
    public const string DefaultTemplate = "Deployed by chatops rollout #{rollout} to {hosts}.";

    public string Render(
        string? template,
        int bug,
        RolloutRecord rollout,
        IReadOnlyList<BugCommit> commits,
        BugHosts hosts,
        IReadOnlyList<CatchUp> caughtUp,
        FleetConfig fleet,
        string? statusUrl)
    {
        var sb = new StringBuilder();
        var when = (rollout.FinishedAt ?? rollout.StartedAt).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        if (commits.Count > 0)
        {
            sb.Append((template ?? DefaultTemplate)
                .Replace("{bug}", bug.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{rollout}", rollout.Id.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{hosts}", Describe(hosts), StringComparison.Ordinal));
            sb.Append(" Finished ").Append(when).Append('.').Append('\n');
            if (!hosts.Complete) sb.Append("Not deployed yet: ").Append(string.Join(", ", hosts.NotOk.Select(Describe))).Append(". A follow-up comment says when they catch up.\n");
            sb.Append('\n');
            foreach (var c in commits)
            {
                sb.Append(c.Repo).Append(' ').Append(BugComment.Short(c.Rev));
                if (BugComment.CommitUrl(fleet, c.Repo, c.Rev) is { } url) sb.Append(" <").Append(url).Append('>');
                sb.Append(" — ").Append(c.Summary).Append(" (").Append(c.Author).Append(")\n");
            }
        }

        foreach (var up in caughtUp)
        {
            if (sb.Length > 0) sb.Append('\n');
            sb.Append("Now deployed to all ").Append(up.Total).Append(" hosts of rollout #").Append(up.RolloutId).Append(": ")
                .Append(string.Join(", ", up.Hosts)).Append(" caught up").Append(" in rollout #").Append(rollout.Id)
                .Append(" (").Append(when).Append(").\n");
        }

        if (statusUrl is not null) sb.Append('\n').Append(statusUrl.TrimEnd('/')).Append("/rollouts/").Append(rollout.Id).Append('\n');
        sb.Append(BugComment.Marker(rollout.Id));
        return sb.ToString();
    }

    /// <summary><c>38 of 40 hosts</c> or <c>all 40 hosts</c>.</summary>
    private static string Describe(BugHosts hosts) =>
        hosts.Complete ? $"all {hosts.Total} host{(hosts.Total == 1 ? "" : "s")}" : $"{hosts.Ok} of {hosts.Total} hosts";

    /// <summary>
    /// <c>bm03 failed at checkconfig</c>, <c>bm04 unreachable</c>; a host the bot's own stop cut off is not said to
    /// have failed: <c>bm05 interrupted when the bot stopped</c>.
    /// </summary>
    private static string Describe(NotDeployedHost h) => h switch
    {
        { Interrupted: true, Outcome: HostOutcome.Skipped } => $"{h.Host} not started before the bot stopped",
        { Interrupted: true } => $"{h.Host} interrupted when the bot stopped",
        { Outcome: HostOutcome.Failed } => $"{h.Host} failed at {h.FailedStep ?? "a step"}",
        { Outcome: HostOutcome.Unreachable } => $"{h.Host} unreachable",
        _ => $"{h.Host} {h.Outcome.ToString().ToLowerInvariant()}",
    };
}
