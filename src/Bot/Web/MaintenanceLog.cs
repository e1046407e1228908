using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>One deployed change set: a rollout with the merges it carried and how its hosts ended.</summary>
internal sealed record MaintenanceEntry(
    int RolloutId,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string StartedBy,
    string Reason,
    string State,
    IReadOnlyDictionary<string, string> Revisions,
    IReadOnlyList<MaintenanceRepo> Repos,
    IReadOnlyDictionary<string, int> Outcomes);

/// <summary>The commits a rollout deployed to one repo (empty when its merges were not recorded as deployed by it).</summary>
internal sealed record MaintenanceRepo(string Repo, string Revision, IReadOnlyList<MaintenanceCommit> Commits, int TotalCommits);

internal sealed record MaintenanceCommit(string Rev, string Author, string Summary, IReadOnlyList<int> Bugs);

/// <summary>
/// The deployed-changes log (the seed's maintenance wiki page), newest first, built from the rollouts in the store and
/// the merges each one marked deployed. (Bug comments are planned from the rollout's own record of the commits it
/// carried, <c>RolloutRecord.Changes</c>, not from these entries.)
/// </summary>
internal sealed class MaintenanceLog(IRolloutStore rollouts, IRepoStore merges)
{
    /// <summary>Merges looked at per repo: enough for the entries shown.</summary>
    private const int MergesPerRepo = 200;

    public async Task<IReadOnlyList<MaintenanceEntry>> LatestAsync(int count, CancellationToken cancellationToken)
    {
        var list = (await rollouts.LatestAsync(count, cancellationToken)).Where(r => r.State != RolloutState.Running && r.Hosts.Count > 0).ToList();
        var latest = new List<Merge>();
        foreach (var repo in list.SelectMany(r => r.Revisions.Keys).Distinct(StringComparer.Ordinal))
            latest.AddRange(await merges.GetLatestMergesAsync(repo, MergesPerRepo, cancellationToken));
        var byRollout = latest
            .Where(m => m.DeployedRolloutId is not null)
            .ToLookup(m => (m.DeployedRolloutId!.Value, m.Repo)); // filtered on the line above
        var entries = new List<MaintenanceEntry>();
        foreach (var r in list)
        {
            var outcomes = (await rollouts.GetHostsAsync(r.Id, cancellationToken))
                .GroupBy(h => h.Outcome.ToString().ToLowerInvariant()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            entries.Add(new MaintenanceEntry(
                r.Id, r.StartedAt, r.FinishedAt, r.StartedBy, RolloutText.Reason(r), r.State.ToString().ToLowerInvariant(), r.Revisions,
                r.Revisions.Select(kv =>
                {
                    var deployed = byRollout[(r.Id, kv.Key)].OrderBy(m => m.Id).ToList();
                    var commits = deployed.SelectMany(m => m.Commits).Select(c => new MaintenanceCommit(c.Rev, c.Author, c.Summary, c.Bugs)).ToList();
                    return new MaintenanceRepo(kv.Key, kv.Value, commits, deployed.Sum(m => Math.Max(m.TotalCommits, m.Commits.Count)));
                }).ToList(),
                outcomes));
        }

        return entries;
    }
}
