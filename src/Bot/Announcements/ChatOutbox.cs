using System.Text.Json;
using ChatOpsReconfig.Deployer.Outbox;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>A chat message as the outbox keeps it (the payload of an entry of kind <see cref="OutboxKinds.Chat"/>).</summary>
internal sealed record QueuedChatMessage(string Channel, string Text);

/// <summary>The chat entries of the store's outbox; <see cref="OutboxSender"/> delivers them in order.</summary>
internal sealed class ChatOutbox(IOutboxStore store)
{
    private readonly SemaphoreSlim _signal = new(0);

    /// <summary>
    /// The outbox message for <paramref name="text"/>, to enqueue here or with the state change it announces.
    /// <paramref name="progressKey"/> names a message that later edits replace (a rollout's progress line).
    /// </summary>
    public static OutboxMessage Message(string channel, string text, string? progressKey = null) =>
        new(OutboxKinds.Chat, JsonSerializer.Serialize(new QueuedChatMessage(channel, text)), progressKey);

    public static QueuedChatMessage Read(OutboxEntry entry) =>
        JsonSerializer.Deserialize<QueuedChatMessage>(entry.Payload) ?? throw new InvalidDataException($"outbox entry {entry.Id} has no chat message");

    public static string Payload(QueuedChatMessage message) => JsonSerializer.Serialize(message);

    public async Task<OutboxEntry> EnqueueAsync(string channel, string text, string? progressKey = null, CancellationToken cancellationToken = default)
    {
        var entry = await store.EnqueueAsync(Message(channel, text, progressKey), cancellationToken);
        _signal.Release();
        return entry;
    }

    /// <summary>
    /// Queues <paramref name="messages"/> for an event. When <paramref name="announceKey"/> names its announce entry
    /// (<see cref="AnnounceEntries"/>), the messages and the entry's completion are one transaction: false, and nothing
    /// queued, when that entry was completed already (the event was announced before a restart replayed it).
    /// </summary>
    public async Task<bool> AnnounceAsync(IReadOnlyList<OutboxMessage> messages, string? announceKey, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var entry = announceKey is null ? null : await store.FindAsync(OutboxKinds.Announce, announceKey, cancellationToken);
        if (entry is not null)
        {
            if (!await store.CompleteAsync(entry.Id, messages, at, cancellationToken)) return false;
        }
        else if (messages.Count > 0)
        {
            await store.EnqueueAsync(messages, cancellationToken);
        }

        // Most events say nothing (a host finished, where progress is edited): the sender need not wake for them.
        if (messages.Count > 0) _signal.Release();
        return true;
    }

    public Task<IReadOnlyList<OutboxEntry>> PendingAsync(CancellationToken cancellationToken) => store.PendingAsync(OutboxKinds.Chat, cancellationToken);

    public async Task<int> PendingCountAsync(CancellationToken cancellationToken = default) => (await PendingAsync(cancellationToken)).Count;

    public Task<OutboxEntry?> FindProgressAsync(string key, CancellationToken cancellationToken) => store.FindAsync(OutboxKinds.Chat, key, cancellationToken);

    public Task<bool> ReplacePendingTextAsync(OutboxEntry entry, string text, CancellationToken cancellationToken) =>
        store.ReplacePendingPayloadAsync(entry.Id, Payload(Read(entry) with { Text = text }), cancellationToken);

    public Task MarkSentAsync(OutboxEntry entry, DateTimeOffset at, string transportId, CancellationToken cancellationToken) =>
        store.MarkSentAsync(entry.Id, at, transportId, cancellationToken);

    public Task MarkAttemptFailedAsync(OutboxEntry entry, string error, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        store.MarkAttemptFailedAsync(entry.Id, error, nextAttemptAt, cancellationToken);

    /// <summary>Waits until something is enqueued (or the timeout passes).</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    /// <summary>Wakes the sender: something was enqueued elsewhere (with the state change it announces).</summary>
    public void Wake() => _signal.Release();
}
