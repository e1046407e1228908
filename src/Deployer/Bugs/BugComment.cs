using System.Globalization;
using System.Text;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>One commit of a bug's comment: the repo it landed in and the commit as the rollout kept it.</summary>
public sealed record BugCommit(string Repo, string Rev, string Author, string Summary);

/// <summary>How the hosts carrying a bug's repos ended in one rollout.</summary>
public sealed record BugHosts(int Ok, int Total, IReadOnlyList<string> NotOk)
{
    public bool Complete => Ok == Total;

    /// <summary>"38 of 40 hosts" or "all 40 hosts".</summary>
    public string Describe() => Complete ? $"all {Total} host{(Total == 1 ? "" : "s")}" : $"{Ok} of {Total} hosts";
}

/// <summary>
/// The text of a bug comment. It ends with the marker <c>[chatops rollout #N]</c>, which a restarted bot looks for
/// before posting again, so a template cannot remove it.
/// </summary>
public static class BugComment
{
    public const string DefaultTemplate = "Deployed by chatops rollout #{rollout} to {hosts}.";

    public static string Marker(int rolloutId) => $"[chatops rollout #{rolloutId.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>
    /// The comment for <paramref name="bug"/> on rollout <paramref name="rollout"/>: its new <paramref name="commits"/> (may be
    /// empty for a pure catch-up) and how the hosts ended; <paramref name="caughtUp"/> names earlier partial rollouts
    /// whose missing hosts this one completed.
    /// </summary>
    public static string Render(
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
                .Replace("{hosts}", hosts.Describe(), StringComparison.Ordinal));
            sb.Append(" Finished ").Append(when).Append('.').Append('\n');
            if (!hosts.Complete) sb.Append("Not deployed yet: ").Append(string.Join(", ", hosts.NotOk)).Append(". A follow-up comment says when they catch up.\n");
            sb.Append('\n');
            foreach (var c in commits)
            {
                sb.Append(c.Repo).Append(' ').Append(Short(c.Rev));
                if (CommitUrl(fleet, c.Repo, c.Rev) is { } url) sb.Append(" <").Append(url).Append('>');
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
        sb.Append(Marker(rollout.Id));
        return sb.ToString();
    }

    /// <summary>A web page for the commit, when the repo's URL says where one is (hg.mozilla.org style hg, GitHub).</summary>
    public static string? CommitUrl(FleetConfig fleet, string repo, string rev)
    {
        if (!fleet.Repos.TryGetValue(repo, out var config) || !Uri.TryCreate(config.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps) return null;
        var root = config.Url.TrimEnd('/');
        if (config.Kind == RepoKind.Hg) return $"{root}/rev/{Short(rev, 12)}";
        if (url.Host == "github.com") return $"{(root.EndsWith(".git", StringComparison.Ordinal) ? root[..^4] : root)}/commit/{rev}";
        return null;
    }

    private static string Short(string rev, int length = 12) => rev.Length > length ? rev[..length] : rev;
}

/// <summary>Hosts of an earlier, partial rollout that a later one brought up to date.</summary>
public sealed record CatchUp(int RolloutId, int Total, IReadOnlyList<string> Hosts);
