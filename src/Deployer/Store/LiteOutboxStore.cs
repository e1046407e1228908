using ChatOpsReconfig.Deployer.Outbox;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>The outbox in the LiteDB store, one collection for every kind.</summary>
internal sealed class LiteOutboxStore(StoreDatabase db, TimeProvider time) : IOutboxStore
{
    private ILiteCollection<OutboxEntry> Entries => db.Collection<OutboxEntry>(StoreCollections.Outbox);

    public Task<OutboxEntry> EnqueueAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(db.Write(() => Insert(message)));
    }

    public Task<IReadOnlyList<OutboxEntry>> EnqueueAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<OutboxEntry>>(db.Write(() => messages.Select(Insert).ToList()));
    }

    /// <summary>Saves <paramref name="message"/> inside the caller's write (another store's transaction).</summary>
    internal OutboxEntry Insert(OutboxMessage message)
    {
        if (message.Key is not null && Find(message.Kind, message.Key) is { } existing) return existing;
        var now = time.GetUtcNow();
        var entry = new OutboxEntry { Kind = message.Kind, Key = message.Key, Payload = message.Payload, CreatedAt = now, NextAttemptAt = now };
        return entry with { Id = Entries.Insert(entry).AsInt32 };
    }

    public Task<IReadOnlyList<OutboxEntry>> DueAsync(string kind, DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<OutboxEntry>>(Pending(kind).Where(e => e.NextAttemptAt <= now).Take(max).ToList());
    }

    public Task<IReadOnlyList<OutboxEntry>> PendingAsync(string kind, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<OutboxEntry>>(Pending(kind));
    }

    public Task<IReadOnlyList<OutboxEntry>> ListAsync(string kind, OutboxState state, int max, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<OutboxEntry>>(InState(kind, state).OrderByDescending(e => e.Id).Take(max).ToList());
    }

    private List<OutboxEntry> Pending(string kind) => InState(kind, OutboxState.Pending).OrderBy(e => e.Id).ToList();

    // The State index returns equal keys in no set order: callers sort.
    private IEnumerable<OutboxEntry> InState(string kind, OutboxState state) =>
        Entries.Find(Query.EQ(nameof(OutboxEntry.State), state.ToString())).Where(e => e.Kind == kind);

    public Task<OutboxEntry?> FindAsync(string kind, string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Find(kind, key));
    }

    private OutboxEntry? Find(string kind, string key) =>
        Entries.Find(Query.EQ(nameof(OutboxEntry.Key), key)).FirstOrDefault(e => e.Kind == kind);

    public Task<bool> ReplacePendingPayloadAsync(int id, string payload, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(db.Write(() =>
            Entries.FindById(id) is { State: OutboxState.Pending } entry && Entries.Update(entry with { Payload = payload })));
    }

    public Task MarkSentAsync(int id, DateTimeOffset at, string? receipt, CancellationToken cancellationToken) =>
        Change(id, e => OutboxTransitions.Sent(e, at, receipt), cancellationToken);

    public Task<bool> CompleteAsync(int id, IReadOnlyList<OutboxMessage> then, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(db.Write(() =>
        {
            if (Entries.FindById(id) is not { State: OutboxState.Pending } entry) return false;
            foreach (var message in then) Insert(message);
            return Entries.Update(OutboxTransitions.Sent(entry, at, receipt: null));
        }));
    }

    public Task MarkAttemptFailedAsync(int id, string error, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        Change(id, e => OutboxTransitions.AttemptFailed(e, error, nextAttemptAt), cancellationToken);

    public Task MarkFailedAsync(int id, string error, CancellationToken cancellationToken) =>
        Change(id, e => OutboxTransitions.Failed(e, error), cancellationToken);

    private Task Change(int id, Func<OutboxEntry, OutboxEntry> change, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        db.Write(() =>
        {
            var entry = Entries.FindById(id) ?? throw new InvalidOperationException($"outbox entry {id} does not exist");
            Entries.Update(change(entry));
        });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OutboxCount>> CountsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(OutboxTransitions.Counts(Entries.FindAll()));
    }
}
