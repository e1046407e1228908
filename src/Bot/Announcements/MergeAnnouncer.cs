using System.Text;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// Announces merges to production branches (who, what, which bugs), rewrites, and repos that cannot be reached.
/// Commit text is made harmless first: no mentions, no code spans, no control characters.
/// </summary>
internal sealed class MergeAnnouncer(Hosting.BotOptions options, ChatClock clock) : IEventAnnouncer
{
    /// <summary>Commits listed in full; longer merges show the first and last few.</summary>
    internal const int ListAll = 12;
    internal const int ShowEnds = 5;

    public Task<IReadOnlyList<string>> AnnounceAsync(DeployerEvent e, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> texts = e switch
        {
            MergeDetected m => [Format(m.Merge)],
            RepoUnreachable u => [$"cannot reach repo {u.Repo} since {clock.At(u.Since)} ({u.Failures} failed polls): {SafeText.Clean(RepoText.Failure(u.Error), 200)}. Retrying with backoff; I will say when it is back"],
            RepoRecovered r => [$"repo {r.Repo} is reachable again (unreachable since {clock.At(r.UnreachableSince)}, {HumanTime.Duration(r.RecoveredAt - r.UnreachableSince)})"],
            _ => [],
        };
        return Task.FromResult(texts);
    }

    public string Format(Merge m)
    {
        var sb = new StringBuilder();
        switch (m.Kind)
        {
            case MergeKind.Baseline:
                return $"watching {m.Repo} {m.Branch} at {RevisionSet.Short(m.NewHead)}";
            case MergeKind.Rewrite:
                sb.Append(CultureInfo($"REWRITTEN: {m.Repo} {m.Branch} was force-pushed: head is now {RevisionSet.Short(m.NewHead)} (was {RevisionSet.Short(m.OldHead)}); this is the new baseline"));
                if (m.Commits.Count > 0) sb.Append('\n');
                break;
            default:
                var authors = m.Commits.Select(c => SafeText.Clean(c.Author, 40)).Distinct().ToList();
                var who = authors.Count <= 4 ? string.Join(", ", authors) : string.Join(", ", authors.Take(4)) + $" and {authors.Count - 4} more";
                var total = Math.Max(m.TotalCommits, m.Commits.Count);
                sb.Append(CultureInfo($"{m.Repo} {m.Branch}: {total} commit{(total == 1 ? "" : "s")} by {who}"));
                if (m.Bugs.Count > 0) sb.Append(" — ").Append(string.Join(", ", m.Bugs.Take(10).Select(BugLink))).Append(m.Bugs.Count > 10 ? $", and {m.Bugs.Count - 10} more bugs" : "");
                sb.Append('\n');
                break;
        }

        var commits = m.Commits;
        var hidden = Math.Max(m.TotalCommits, commits.Count) - commits.Count;
        IEnumerable<string> lines;
        if (commits.Count <= ListAll)
        {
            lines = commits.Select(Line);
        }
        else
        {
            var skipped = commits.Count - (2 * ShowEnds) + hidden;
            lines = commits.Take(ShowEnds).Select(Line).Append($"  … {skipped} more commits …").Concat(commits.TakeLast(ShowEnds).Select(Line));
        }

        sb.Append(string.Join('\n', lines));
        // A commit that holds its own deploy: the hold is already placed (the watcher's merge hook), say so with the merge.
        foreach (var hold in Deployer.CommitHolds.CommitHoldService.Find(m))
            sb.Append('\n').Append(SafeText.Clean(HoldText.CommitHold(hold, options.Chat.Prefix), 300));
        return sb.ToString().TrimEnd('\n');
    }

    private static string CultureInfo(FormattableString s) => FormattableString.Invariant(s);

    private static string Line(Commit c) => $"  {RevisionSet.Short(c.Rev)}  {SafeText.Clean(c.Author, 30)}  {SafeText.Clean(c.Summary, 120)}";

    private string BugLink(int bug) => $"Bug {bug} ({options.Chat.BugUrlTemplate.Replace("{id}", bug.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)})";


}
