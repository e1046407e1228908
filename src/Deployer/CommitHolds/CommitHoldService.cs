using System.Text.RegularExpressions;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Audit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.CommitHolds;

/// <summary>A <c>deploy: hold &lt;reason&gt;</c> line in a commit message (<paramref name="Reason"/> empty: none given); the Bot words it.</summary>
public sealed record CommitHold(string Repo, string Rev, string Author, string Reason);

/// <summary>
/// Holds declared in commits: a commit on a production branch whose message has a line <c>deploy: hold &lt;reason&gt;</c>
/// places the system hold <see cref="Holder"/> when its merge is saved, before anything can deploy it.
/// <c>!unlock commit</c> releases it; it is a hold like any other (<c>!deploy now --force</c> overrides it).
/// </summary>
public sealed partial class CommitHoldService(LockService locks, Outbox.PendingAnnouncements pending, ILogger<CommitHoldService> logger) : IMergeHook, IHostedService
{
    /// <summary>The holder id of the hold commits place.</summary>
    public const string Holder = "system:commit";

    /// <summary>The word after <c>!unlock</c>, and the hold's short name in refusals.</summary>
    public const string UnlockWord = "commit";

    /// <summary>The holds the commits of <paramref name="merge"/> declare, oldest first (none for a baseline).</summary>
    public static IReadOnlyList<CommitHold> Find(Merge merge) =>
        merge.Kind == MergeKind.Baseline
            ? []
            : merge.Commits
                .SelectMany(c => HoldLine().Matches(c.Message).Select(m => new CommitHold(merge.Repo, c.Rev, c.Author, Reason(m.Groups[1].Value))))
                .ToList();

    public async Task OnMergeRecordedAsync(Merge merge, CancellationToken cancellationToken)
    {
        var holds = Find(merge);
        if (holds.Count == 0) return;
        // One commit hold at a time: a newer one replaces it, naming every commit that asked in this merge. The reason
        // keeps what the commits said (for the audit); the Bot words the hold from its commits.
        var commits = holds.Select(h => new HoldCommit { Rev = h.Rev, Author = h.Author, Reason = h.Reason }).ToList();
        var reason = string.Join("; ", holds.Select(h => h.Reason).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal));
        var hold = new Hold { HolderId = Holder, HolderName = UnlockWord, Reason = reason, Commits = commits };
        var result = await locks.PlaceSystemHoldAsync(Actor.System, hold, cancellationToken);
        Log.Placed(logger, merge.Repo, string.Join(", ", holds.Select(h => RevisionSet.Short(h.Rev))), reason, result.Succeeded);
    }

    /// <summary>A merge saved just before a crash never ran the hook: place its hold before anything else starts.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var merge in await pending.MergesAsync(cancellationToken)) await OnMergeRecordedAsync(merge, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Reason(string text)
    {
        var reason = text.Trim();
        return reason.Length > 200 ? reason[..200] + "…" : reason;
    }

    [GeneratedRegex(@"^[ \t]*deploy:[ \t]*hold\b[ \t]*(.*?)[ \t]*\r?$", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex HoldLine();

    private static partial class Log
    {
        [LoggerMessage(1520, LogLevel.Warning, "Commit hold from {Repo}: {Commits}: {Reason} (placed: {Placed})")]
        public static partial void Placed(ILogger logger, string repo, string commits, string reason, bool placed);
    }
}
