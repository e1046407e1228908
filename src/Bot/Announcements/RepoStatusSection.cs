using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// <c>!status</c> lines per repo: production head, whether it is deployed (merges waiting, and how many of the hosts
/// carrying the repo run another revision), minutes since the last push.
/// </summary>
internal sealed class RepoStatusSection(
    IRepoStatus repos,
    FleetConfig fleet,
    IRolloutStore store,
    Hosting.BotOptions options,
    ChatClock clock,
    TimeProvider time,
    Web.StatusViewBuilder estimates) : IStatusSection
{
    public async Task<IReadOnlyList<string>> LinesAsync(string? role, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var states = (await store.GetHostStatesAsync(cancellationToken)).ToDictionary(h => h.Id, StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (var state in await repos.GetReposAsync(cancellationToken))
        {
            if (role is not null && !fleet.Roles[role].Repos.ContainsKey(state.Id)) continue; // a role's status shows only its repos
            var head = state.Head is null ? "head unknown" : RevisionSet.Short(state.Head);
            var deployed = state.Head is null ? "" : await DeployedAsync(state.Id, state.Head, states, role, cancellationToken);
            var pushed = state.LastPushAt is { } at ? $", last push {HumanTime.MinutesSince(now - at)} ago" : "";
            var reach = state.LastPollOk || state.LastPollAt is null ? "" : $", CANNOT REACH since {(state.StatusSince is { } since ? clock.At(since) : "?")}: {SafeText.Clean(RepoText.LastFailure(state), 120)}";
            lines.Add($"{state.Id} {state.Branch}: {head} {deployed}{pushed}{reach}".Replace("  ", " ", StringComparison.Ordinal).TrimEnd());
            // "When will it be live?" for every repo with merges waiting.
            if (state.Head is not null && (await repos.GetUndeployedMergesAsync(state.Id, cancellationToken)).Count > 0 && await estimates.EstimateAsync(state.Id, cancellationToken) is { } eta)
                lines.Add($"  {state.Id} {RevisionSet.Short(state.Head)}: {eta.Text}");
        }

        return lines;
    }

    /// <summary>
    /// Baselines count as deployed for the policy, but a host may still run something older (it lagged before the
    /// bot watched, or someone changed it by hand): say so, rather than "deployed" next to a table of lagging hosts.
    /// </summary>
    private async Task<string> DeployedAsync(string repo, string head, Dictionary<string, HostState> states, string? onlyRole, CancellationToken cancellationToken)
    {
        var carriers = fleet.Hosts.Where(h => h.Enabled && (onlyRole is null || string.Equals(h.Role, onlyRole, StringComparison.OrdinalIgnoreCase))
            && fleet.Roles.TryGetValue(h.Role, out var role) && role.Repos.ContainsKey(repo)).ToList();
        var behind = carriers.Count(h => !(states.TryGetValue(h.Name, out var s) && s.Revisions.TryGetValue(repo, out var rev) && RevisionSet.Matches(rev, head)));
        var lagging = behind == 0 ? "" : $"{behind}/{carriers.Count} hosts behind";
        var undeployed = await repos.GetUndeployedMergesAsync(repo, cancellationToken);
        if (undeployed.Count > 0)
        {
            var commits = undeployed.Sum(m => Math.Max(m.TotalCommits, m.Commits.Count));
            var waiting = $"{commits} commit{(commits == 1 ? "" : "s")} waiting";
            return $"NOT deployed ({waiting}{(lagging.Length > 0 ? "; " + lagging : "")})";
        }

        return lagging.Length == 0 ? "deployed" : $"no merge waiting, but {lagging} ({options.Chat.Prefix}deploy now rolls them forward)";
    }
}
