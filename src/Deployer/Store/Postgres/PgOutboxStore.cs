using ChatOpsReconfig.Deployer.Outbox;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>The outbox in the PostgreSQL store; the twin of <see cref="LiteOutboxStore"/>.</summary>
internal sealed class PgOutboxStore(PgDocuments docs, TimeProvider time) : IOutboxStore
{
    private const string PendingOfKind = "doc->>'State' = 'Pending' AND doc->>'Kind' = @kind";

    public Task<OutboxEntry> EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Write(_ => Insert(message)));
    }

    public Task<IReadOnlyList<OutboxEntry>> EnqueueAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<OutboxEntry>>(docs.Write(_ => messages.Select(Insert).ToList()));
    }

    /// <summary>Saves <paramref name="message"/> inside the caller's write (another store's transaction).</summary>
    internal OutboxEntry Insert(OutboxMessage message)
    {
        if (message.Key is not null && Find(message.Kind, message.Key) is { } existing) return existing;
        var now = time.GetUtcNow();
        var entry = new OutboxEntry
        {
            Id = docs.NextId(StoreCollections.Outbox), Kind = message.Kind, Key = message.Key, Payload = message.Payload, CreatedAt = now, NextAttemptAt = now,
        };
        Save(entry);
        return entry;
    }

    public Task<IReadOnlyList<OutboxEntry>> DueAsync(string kind, DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<OutboxEntry>>(Pending(kind).Where(e => e.NextAttemptAt <= now).Take(max).ToList());
    }

    public Task<IReadOnlyList<OutboxEntry>> PendingAsync(string kind, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Pending(kind));
    }

    private IReadOnlyList<OutboxEntry> Pending(string kind) => docs.Find<OutboxEntry>(StoreCollections.Outbox, PendingOfKind, "num", null, ("kind", kind));

    public Task<IReadOnlyList<OutboxEntry>> ListAsync(string kind, OutboxState state, int max, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Find<OutboxEntry>(
            StoreCollections.Outbox, "doc->>'State' = @state AND doc->>'Kind' = @kind", "num DESC", max, ("state", state.ToString()), ("kind", kind)));
    }

    public Task<OutboxEntry?> FindAsync(string kind, string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Find(kind, key));
    }

    private OutboxEntry? Find(string kind, string key) =>
        docs.Find<OutboxEntry>(StoreCollections.Outbox, "doc->>'Kind' = @kind AND doc->>'Key' = @key", "num", 1, ("kind", kind), ("key", key)).FirstOrDefault();

    public Task<bool> ReplacePendingPayloadAsync(int id, string payload, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Write(_ =>
        {
            if (Get(id) is not { State: OutboxState.Pending } entry) return false;
            Save(entry with { Payload = payload });
            return true;
        }));
    }

    public Task MarkSentAsync(int id, DateTimeOffset at, string? receipt, CancellationToken cancellationToken) =>
        Change(id, e => OutboxTransitions.Sent(e, at, receipt), cancellationToken);

    public Task<bool> CompleteAsync(int id, IReadOnlyList<OutboxMessage> then, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Write(tx =>
        {
            // Locked until commit: a second completion waits, then finds the entry sent.
            var locked = tx.Read<OutboxEntry>($"SELECT doc FROM {PgTables.Documents} WHERE collection = @c AND id = @id FOR UPDATE", StoreCollections.Outbox, ("id", Key(id)));
            if (locked.FirstOrDefault() is not { State: OutboxState.Pending } entry) return false;
            foreach (var message in then) Insert(message);
            Save(OutboxTransitions.Sent(entry, at, receipt: null));
            return true;
        }));
    }

    public Task MarkAttemptFailedAsync(int id, string error, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        Change(id, e => OutboxTransitions.AttemptFailed(e, error, nextAttemptAt), cancellationToken);

    public Task MarkFailedAsync(int id, string error, CancellationToken cancellationToken) =>
        Change(id, e => OutboxTransitions.Failed(e, error), cancellationToken);

    private Task Change(int id, Func<OutboxEntry, OutboxEntry> change, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        docs.Write(_ => Save(change(Get(id) ?? throw new InvalidOperationException($"outbox entry {id} does not exist"))));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OutboxCount>> CountsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(OutboxTransitions.Counts(docs.Find<OutboxEntry>(StoreCollections.Outbox)));
    }

    private OutboxEntry? Get(int id) => docs.Get<OutboxEntry>(StoreCollections.Outbox, Key(id));

    private void Save(OutboxEntry entry) => docs.Upsert(StoreCollections.Outbox, Key(entry.Id), entry, entry.Id);

    private static string Key(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
