using System.Globalization;
using System.Text.Json;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Outbox;

/// <summary>What an entry of kind <see cref="OutboxKinds.Announce"/> stands for: a merge, a rollout's end, a repo lost or back.</summary>
public enum AnnounceSubject
{
    Merge,
    Rollout,
    RepoUnreachable,
    RepoRecovered,
}

/// <summary>
/// Entries of kind <see cref="OutboxKinds.Announce"/>: "this event is still to be announced". The store writes one in
/// the transaction that saves a merge or ends a rollout; the bot completes it in the transaction that queues the chat
/// messages, and replays the pending ones at start. Key and payload are both <c>merge:{id}</c> or <c>rollout:{id}</c>.
/// A repo outage has one key per repo and outage start (<c>repo-unreachable:{repo}:{since}</c>, <c>repo-recovered:…</c>)
/// and its event as JSON for payload: the repo state it was saved with has moved on by the time a restart replays it.
/// </summary>
public static class AnnounceEntries
{
    /// <summary>
    /// The error code an entry given up at replay keeps: what it names (its payload) is no longer in the store. A code,
    /// not words: nobody is shown it, and the log line says which entry it was.
    /// </summary>
    public const string SubjectGone = "subject-gone";

    public static OutboxMessage Merge(int id) => Message("merge", id);

    public static OutboxMessage Rollout(int id) => Message("rollout", id);

    private const string UnreachablePrefix = "repo-unreachable";
    private const string RecoveredPrefix = "repo-recovered";

    /// <summary>The entry that announces <paramref name="e"/>: one per repo, kind of change and outage.</summary>
    public static OutboxMessage Repo(RepoReachabilityChanged e) => e switch
    {
        RepoUnreachable u => new(OutboxKinds.Announce, JsonSerializer.Serialize(u), RepoKey(UnreachablePrefix, u.Repo, u.Since)),
        RepoRecovered r => new(OutboxKinds.Announce, JsonSerializer.Serialize(r), RepoKey(RecoveredPrefix, r.Repo, r.UnreachableSince)),
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "not a repo change this outbox knows"),
    };

    /// <summary>The repo event an entry of <see cref="Repo"/> stands for; null when it is not one.</summary>
    public static RepoReachabilityChanged? ReadRepo(OutboxEntry entry)
    {
        var prefix = entry.Key?.Split(':', 2)[0];
        try
        {
            return prefix switch
            {
                UnreachablePrefix => JsonSerializer.Deserialize<RepoUnreachable>(entry.Payload),
                RecoveredPrefix => JsonSerializer.Deserialize<RepoRecovered>(entry.Payload),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Milliseconds: the outage start comes back from the store, and a store may keep times to the millisecond only.
    private static string RepoKey(string prefix, string repo, DateTimeOffset since) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}:{repo}:{since.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}");

    /// <summary>The key of the announce entry <paramref name="e"/> completes; null for events that have none.</summary>
    public static string? KeyOf(DeployerEvent e) => e switch
    {
        MergeDetected m => Merge(m.Merge.Id).Key,
        RolloutFinished f => Rollout(f.Rollout.Id).Key,
        RolloutInterrupted i => Rollout(i.Rollout.Id).Key,
        RepoReachabilityChanged r => Repo(r).Key,
        _ => null,
    };

    /// <summary>What <paramref name="entry"/> stands for; null when its payload is not one of ours.</summary>
    public static (AnnounceSubject Subject, int Id)? Read(OutboxEntry entry)
    {
        var parts = entry.Payload.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var id)) return null;
        return parts[0] switch
        {
            "merge" => (AnnounceSubject.Merge, id),
            "rollout" => (AnnounceSubject.Rollout, id),
            _ => null,
        };
    }

    /// <summary>Whether a rollout in <paramref name="state"/> has ended (and so is announced).</summary>
    public static bool IsEnded(RolloutState state) => state != RolloutState.Running;

    /// <summary>The announce entry to write with <paramref name="after"/>, when that write ends the rollout (once, not on later writes).</summary>
    public static OutboxMessage? ForRolloutWrite(RolloutRecord? before, RolloutRecord after) =>
        IsEnded(after.State) && (before is null || !IsEnded(before.State)) ? Rollout(after.Id) : null;

    private static OutboxMessage Message(string subject, int id)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{subject}:{id}");
        return new OutboxMessage(OutboxKinds.Announce, key, key);
    }
}
