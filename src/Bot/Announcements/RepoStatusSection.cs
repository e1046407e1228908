using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary><c>!status</c> lines per repo: production head, whether it is deployed, minutes since the last push.</summary>
internal sealed class RepoStatusSection(IRepoStatus repos, TimeProvider time) : IStatusSection
{
    public Task<IReadOnlyList<string>> LinesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var lines = new List<string>();
        foreach (var state in repos.GetRepos())
        {
            var undeployed = repos.GetUndeployedMerges(state.Id);
            var head = state.Head is null ? "head unknown" : RevisionSet.Short(state.Head);
            var deployed = state.Head is null ? "" : undeployed.Count == 0 ? "deployed" : $"NOT deployed ({undeployed.Sum(m => Math.Max(m.TotalCommits, m.Commits.Count))} commits waiting)";
            var pushed = state.LastPushAt is { } at ? $", last push {HumanTime.MinutesSince(now - at)} ago" : "";
            var reach = state.LastPollOk || state.LastPollAt is null ? "" : $", CANNOT REACH since {state.StatusSince:HH:mm} UTC: {MergeAnnouncer.Harmless(state.LastError, 120)}";
            lines.Add($"{state.Id} {state.Branch}: {head} {deployed}{pushed}{reach}".Replace("  ", " ", StringComparison.Ordinal).TrimEnd());
        }

        return Task.FromResult<IReadOnlyList<string>>(lines);
    }
}
