using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>The answer of <c>/api/live</c>: live when every enabled host carrying the repo runs the revision or a descendant.</summary>
internal sealed record LiveAnswer(string Repo, string Rev, bool Live, IReadOnlyList<string> Pending, string? Estimate, DateTimeOffset? EstimatedLiveAt);

/// <summary>
/// Answers "is REV live?" from the hosts' last known revisions and the repo's mirror. Hosts mostly run the same few
/// revisions, so ancestry is asked once per distinct revision; answers are kept, since commits never change parents.
/// </summary>
internal sealed class LiveCheck(RepoWatcher watcher, IRolloutStore store, StatusViewBuilder status)
{
    private readonly Dictionary<(string Repo, string Ancestor, string Descendant), bool> _known = [];

    public async Task<LiveAnswer> CheckAsync(string repo, string rev, CancellationToken cancellationToken)
    {
        rev = rev.ToLowerInvariant();
        var states = (await store.GetHostStatesAsync(cancellationToken)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        var verdicts = new Dictionary<string, bool>(StringComparer.Ordinal);
        var pending = new List<string>();
        foreach (var host in status.Carriers(repo))
        {
            var onHost = states.TryGetValue(host.Name, out var s) ? s.Revisions.GetValueOrDefault(repo) : null;
            if (onHost is null || !CommitLog.IsRevision(onHost))
            {
                pending.Add(host.Name);
                continue;
            }

            if (!verdicts.TryGetValue(onHost, out var live))
            {
                live = RevisionSet.Matches(onHost, rev) || await IsAncestorAsync(repo, rev, onHost, cancellationToken);
                verdicts[onHost] = live;
            }

            if (!live) pending.Add(host.Name);
        }

        if (pending.Count == 0) return new LiveAnswer(repo, rev, true, [], null, null);
        var estimate = await status.EstimateAsync(repo, cancellationToken);
        return new LiveAnswer(repo, rev, false, pending, estimate is null ? null : $"{repo} {RevisionSet.Short(rev)}: {estimate.Text}", estimate?.LiveAt);
    }

    private async Task<bool> IsAncestorAsync(string repo, string ancestor, string descendant, CancellationToken cancellationToken)
    {
        var key = (repo, ancestor, descendant);
        lock (_known)
        {
            if (_known.TryGetValue(key, out var known)) return known;
        }

        var answer = await watcher.IsAncestorAsync(repo, ancestor, descendant, cancellationToken) == true;
        // Only "yes" is final: a revision not yet in the mirror may arrive with the next poll.
        if (answer)
        {
            lock (_known) _known[key] = true;
        }

        return answer;
    }
}
