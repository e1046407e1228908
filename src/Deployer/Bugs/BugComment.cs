using System.Globalization;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>One commit of a bug's comment: the repo it landed in and the commit as the rollout kept it.</summary>
public sealed record BugCommit(string Repo, string Rev, string Author, string Summary);

/// <summary>
/// A host carrying a bug's repos that did not end ok, and how it ended; <paramref name="Interrupted"/> when the bot
/// stopped (a crash) before the host finished, not the host's own failure.
/// </summary>
public sealed record NotDeployedHost(string Host, HostOutcome Outcome, string? FailedStep, bool Interrupted = false);

/// <summary>How the hosts carrying a bug's repos ended in one rollout.</summary>
public sealed record BugHosts(int Ok, int Total, IReadOnlyList<NotDeployedHost> NotOk)
{
    public bool Complete => Ok == Total;
}

/// <summary>
/// The words of a bug comment; the Bot's (registered by its DI). The text must end with <see cref="BugComment.Marker"/>,
/// which a restarted bot looks for before posting again.
/// </summary>
public interface IBugCommentText
{
    /// <summary>
    /// The comment for <paramref name="bug"/> on rollout <paramref name="rollout"/> from the tracker's
    /// <paramref name="template"/> (null: the default): its new <paramref name="commits"/> (may be empty for a pure
    /// catch-up) and how the hosts ended; <paramref name="caughtUp"/> names earlier partial rollouts whose missing hosts
    /// this one completed.
    /// </summary>
    string Render(
        string? template,
        int bug,
        RolloutRecord rollout,
        IReadOnlyList<BugCommit> commits,
        BugHosts hosts,
        IReadOnlyList<CatchUp> caughtUp,
        FleetConfig fleet,
        string? statusUrl);
}

/// <summary>What every bug comment shares, whoever words it: the marker, and links to commits.</summary>
public static class BugComment
{
    public static string Marker(int rolloutId) => $"[chatops rollout #{rolloutId.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>A web page for the commit, when the repo's URL says where one is (hg.mozilla.org style hg, GitHub).</summary>
    public static string? CommitUrl(FleetConfig fleet, string repo, string rev)
    {
        if (!fleet.Repos.TryGetValue(repo, out var config) || !Uri.TryCreate(config.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps) return null;
        var root = config.Url.TrimEnd('/');
        if (config.Kind == RepoKind.Hg) return $"{root}/rev/{Short(rev)}";
        if (url.Host == "github.com") return $"{(root.EndsWith(".git", StringComparison.Ordinal) ? root[..^4] : root)}/commit/{rev}";
        return null;
    }

    /// <summary>The first twelve characters of a revision, as comments show it.</summary>
    public static string Short(string rev) => rev.Length > 12 ? rev[..12] : rev;
}

/// <summary>Hosts of an earlier, partial rollout that a later one brought up to date.</summary>
public sealed record CatchUp(int RolloutId, int Total, IReadOnlyList<string> Hosts);
