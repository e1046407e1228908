using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>
/// Production heads as the watcher last saw them (no process per call); a repo the watcher has not polled yet
/// is asked directly, so the first <c>!status</c> after start-up is not empty.
/// </summary>
internal sealed class WatchedHeads(FleetConfig fleet, IRepoStatus watcher, ProductionHeads remotes) : IProductionHeadsSource
{
    public async Task<HeadsResult> CurrentAsync(CancellationToken cancellationToken)
    {
        var heads = (await watcher.GetHeadsAsync(cancellationToken)).Revisions.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var problems = new List<RepoFailure>();
        foreach (var (name, repo) in fleet.Repos)
        {
            if (heads.ContainsKey(name)) continue;
            var (rev, error) = await remotes.ResolveAsync(repo, cancellationToken);
            if (rev is not null) heads[name] = rev;
            else problems.Add(error! with { Repo = name }); // no revision means a failure
        }

        return new HeadsResult(new RevisionSet(heads), problems);
    }
}
