using System.Text.RegularExpressions;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Audit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.CommitHolds;

/// <summary>A <c>deploy: hold &lt;reason&gt;</c> line in a commit message.</summary>
public sealed record CommitHold(string Repo, string Rev, string Author, string Reason)
{
    /// <summary><c>commit 1a2b3c4 (alice)</c>: the hold's name as people see it.</summary>
    public string Name => $"commit {RevisionSet.Short(Rev)} ({Author})";

    /// <summary>The line announced with the merge.</summary>
    public string Describe(string prefix) => $"held by {Name}: {Reason}; {prefix}unlock commit to release";
}

/// <summary>
/// Holds declared in commits: a commit on a production branch whose message has a line <c>deploy: hold &lt;reason&gt;</c>
/// places the system hold <see cref="Holder"/> when its merge is saved, before anything can deploy it.
/// <c>!unlock commit</c> releases it; it is a hold like any other (<c>!deploy now --force</c> overrides it).
/// </summary>
public sealed partial class CommitHoldService(LockService locks, IRepoStore repos, ILogger<CommitHoldService> logger) : IMergeHook, IHostedService
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
        var last = holds[^1];
        // One commit hold at a time: a newer one replaces it, naming every commit that asked in this merge.
        var name = holds.Count == 1 ? last.Name : $"commits {string.Join(", ", holds.Select(h => RevisionSet.Short(h.Rev)))}";
        var reason = string.Join("; ", holds.Select(h => h.Reason).Distinct(StringComparer.Ordinal));
        var result = await locks.PlaceSystemHoldAsync(Actor.System, Holder, name, $"{reason}; !unlock {UnlockWord} to release", cancellationToken);
        Log.Placed(logger, merge.Repo, name, reason, result.Succeeded);
    }

    /// <summary>A merge saved just before a crash never ran the hook: place its hold before anything else starts.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var merge in await repos.GetUnannouncedAsync(cancellationToken)) await OnMergeRecordedAsync(merge, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static string Reason(string text)
    {
        var reason = text.Trim();
        return reason.Length == 0 ? "no reason given" : reason.Length > 200 ? reason[..200] + "…" : reason;
    }

    [GeneratedRegex(@"^[ \t]*deploy:[ \t]*hold\b[ \t]*(.*?)[ \t]*\r?$", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex HoldLine();

    private static partial class Log
    {
        [LoggerMessage(1520, LogLevel.Warning, "Commit hold from {Repo}: {Name}: {Reason} (placed: {Placed})")]
        public static partial void Placed(ILogger logger, string repo, string name, string reason, bool placed);
    }
}
