using ChatOpsReconfig.Deployer.Store;
using LiteDB;

namespace ChatOpsReconfig.Bot.Announcements;

internal enum OutboxState
{
    Pending,
    Sent,
}

/// <summary>A message on its way to chat. Saved before it is sent, so nothing is lost when chat is down or the bot stops.</summary>
internal sealed record OutboxEntry
{
    public int Id { get; init; }

    public string Channel { get; init; } = "";

    public string Text { get; init; } = "";

    public OutboxState State { get; init; } = OutboxState.Pending;

    public int Attempts { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? SentAt { get; init; }

    /// <summary>Names a message that later edits replace (a rollout's progress line).</summary>
    public string? ProgressKey { get; init; }

    /// <summary>The transport's id of the delivered message, for edits.</summary>
    public string? TransportId { get; init; }
}

/// <summary>The chat outbox in the store; <see cref="OutboxSender"/> delivers it in order.</summary>
internal sealed class ChatOutbox(StoreDatabase db, TimeProvider time)
{
    private readonly SemaphoreSlim _signal = new(0);

    private ILiteCollection<OutboxEntry> Entries => db.Collection<OutboxEntry>(StoreCollections.ChatOutbox);

    public OutboxEntry Enqueue(string channel, string text, string? progressKey = null)
    {
        var entry = new OutboxEntry { Channel = channel, Text = text, CreatedAt = time.GetUtcNow(), ProgressKey = progressKey };
        entry = entry with { Id = Entries.Insert(entry).AsInt32 };
        _signal.Release();
        return entry;
    }

    public IReadOnlyList<OutboxEntry> Pending() =>
        Entries.Find(Query.EQ(nameof(OutboxEntry.State), OutboxState.Pending.ToString())).OrderBy(e => e.Id).ToList();

    public OutboxEntry? FindProgress(string key) =>
        Entries.Find(Query.EQ(nameof(OutboxEntry.ProgressKey), key)).OrderByDescending(e => e.Id).FirstOrDefault();

    public void Update(OutboxEntry entry) => Entries.Update(entry);

    public int PendingCount() => Entries.Count(Query.EQ(nameof(OutboxEntry.State), OutboxState.Pending.ToString()));

    /// <summary>Waits until something is enqueued (or the timeout passes).</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Wake() => _signal.Release();
}
