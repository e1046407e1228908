using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Asks each repo's remote for the head of its production branch (git ls-remote, hg identify).</summary>
public sealed class ProductionHeads(FleetConfig fleet, TimeProvider time) : IProductionHeadsSource
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public Task<HeadsResult> CurrentAsync(CancellationToken cancellationToken) => ResolveAsync(cancellationToken);

    public async Task<HeadsResult> ResolveAsync(CancellationToken cancellationToken)
    {
        var revisions = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<RepoFailure>();
        await Parallel.ForEachAsync(fleet.Repos, cancellationToken, async (kv, ct) =>
        {
            var (rev, error) = await ResolveAsync(kv.Value, ct);
            lock (revisions)
            {
                if (rev is not null) revisions[kv.Key] = rev;
                else problems.Add(error! with { Repo = kv.Key }); // no revision means a failure
            }
        });
        return new HeadsResult(new RevisionSet(revisions), [.. problems.OrderBy(p => p.Repo, StringComparer.Ordinal)]);
    }

    public async Task<(string? Revision, RepoFailure? Error)> ResolveAsync(RepoConfig repo, CancellationToken cancellationToken)
    {
        var command = repo.Kind == RepoKind.Git ? "git ls-remote" : "hg identify";
        var result = repo.Kind == RepoKind.Git
            ? await ProcessRunner.RunAsync("git", ["ls-remote", "--", repo.Url, "refs/heads/" + repo.Branch], null, Timeout, time, cancellationToken)
            : await ProcessRunner.RunAsync("hg", ["identify", "--debug", "--id", "-r", repo.Branch, "--", repo.Url], null, Timeout, time, cancellationToken);
        if (!result.Ok) return (null, result.Failure(RepoFailureKind.RemoteFailed, command));
        var first = result.Stdout.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.TrimEnd('+');
        if (first is null) return (null, new RepoFailure { Kind = RepoFailureKind.BranchNotFound, Branch = repo.Branch });
        return CommandTemplate.IsValidRevision(first)
            ? (first.ToLowerInvariant(), null)
            : (null, new RepoFailure { Kind = RepoFailureKind.UnexpectedAnswer, Command = command, Detail = SafeText.Clean(first, 60) });
    }
}

/// <summary>The heads read, and a failure (with its <see cref="RepoFailure.Repo"/>) for each repo whose head could not be read.</summary>
public sealed record HeadsResult(RevisionSet Heads, IReadOnlyList<RepoFailure> Problems);
