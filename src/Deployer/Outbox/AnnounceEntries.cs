using System.Globalization;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Outbox;

/// <summary>What an entry of kind <see cref="OutboxKinds.Announce"/> stands for: a merge or a rollout's end.</summary>
public enum AnnounceSubject
{
    Merge,
    Rollout,
}

/// <summary>
/// Entries of kind <see cref="OutboxKinds.Announce"/>: "this event is still to be announced". The store writes one in
/// the transaction that saves a merge or ends a rollout; the bot completes it in the transaction that queues the chat
/// messages, and replays the pending ones at start. Key and payload are both <c>merge:{id}</c> or <c>rollout:{id}</c>.
/// </summary>
public static class AnnounceEntries
{
    public static OutboxMessage Merge(int id) => Message("merge", id);

    public static OutboxMessage Rollout(int id) => Message("rollout", id);

    /// <summary>The key of the announce entry <paramref name="e"/> completes; null for events that have none.</summary>
    public static string? KeyOf(DeployerEvent e) => e switch
    {
        MergeDetected m => Merge(m.Merge.Id).Key,
        RolloutFinished f => Rollout(f.Rollout.Id).Key,
        RolloutInterrupted i => Rollout(i.Rollout.Id).Key,
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
