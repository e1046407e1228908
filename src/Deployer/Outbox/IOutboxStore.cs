namespace ChatOpsReconfig.Deployer.Outbox;

/// <summary>
/// The event outbox: entries are written (with the state change they announce, where a feature store offers that)
/// before anyone delivers them; each kind's sender reads them in order and records how each attempt went.
/// </summary>
public interface IOutboxStore
{
    /// <summary>Saves <paramref name="message"/>; when its key is already in the outbox, returns that entry instead.</summary>
    Task<OutboxEntry> EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken);

    /// <summary>Saves all of <paramref name="messages"/> in one transaction, in order (same dedupe as one by one).</summary>
    Task<IReadOnlyList<OutboxEntry>> EnqueueAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken);

    /// <summary>Pending entries of <paramref name="kind"/> whose next attempt is due at <paramref name="now"/>, oldest first.</summary>
    Task<IReadOnlyList<OutboxEntry>> DueAsync(string kind, DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>Every pending entry of <paramref name="kind"/>, due or not, oldest first.</summary>
    Task<IReadOnlyList<OutboxEntry>> PendingAsync(string kind, CancellationToken cancellationToken);

    /// <summary>
    /// Entries of <paramref name="kind"/> in <paramref name="state"/>, newest first, at most <paramref name="max"/>: what a
    /// status command lists (pending, given up, the latest sent).
    /// </summary>
    Task<IReadOnlyList<OutboxEntry>> ListAsync(string kind, OutboxState state, int max, CancellationToken cancellationToken);

    /// <summary>The entry of <paramref name="kind"/> with dedupe key <paramref name="key"/>, if any.</summary>
    Task<OutboxEntry?> FindAsync(string kind, string key, CancellationToken cancellationToken);

    /// <summary>Replaces the payload of a still pending entry; false if it is no longer pending (or unknown).</summary>
    Task<bool> ReplacePendingPayloadAsync(int id, string payload, CancellationToken cancellationToken);

    /// <summary>Delivered at <paramref name="at"/>; <paramref name="receipt"/> is what the receiver called it.</summary>
    Task MarkSentAsync(int id, DateTimeOffset at, string? receipt, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: saves <paramref name="then"/> (as <see cref="EnqueueAsync(IReadOnlyList{OutboxMessage}, CancellationToken)"/>)
    /// and marks entry <paramref name="id"/> sent at <paramref name="at"/>. False, and nothing saved, when that entry is
    /// not pending (already done, or unknown): what it stood for must not be done twice.
    /// </summary>
    Task<bool> CompleteAsync(int id, IReadOnlyList<OutboxMessage> then, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>An attempt failed; stays pending, not due before <paramref name="nextAttemptAt"/>.</summary>
    Task MarkAttemptFailedAsync(int id, string error, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken);

    /// <summary>Given up for good: never due again.</summary>
    Task MarkFailedAsync(int id, string error, CancellationToken cancellationToken);

    /// <summary>How many entries of each kind are in each state.</summary>
    Task<IReadOnlyList<OutboxCount>> CountsAsync(CancellationToken cancellationToken);
}
