namespace ChatOpsReconfig.Deployer.Outbox;

public enum OutboxState
{
    Pending,
    Sent,

    /// <summary>Given up on: not retried again.</summary>
    Failed,
}

/// <summary>
/// Something to deliver to the outside world (a chat message, a bug comment), saved before it is sent so nothing is
/// lost when the receiver is down or the bot stops. <paramref name="Key"/>, when given, is unique per kind: enqueueing
/// the same key again keeps the first entry.
/// </summary>
public sealed record OutboxMessage(string Kind, string Payload, string? Key = null);

/// <summary>One entry of the outbox and how its delivery went.</summary>
public sealed record OutboxEntry
{
    /// <summary>Assigned by the store, in enqueue order.</summary>
    public int Id { get; init; }

    /// <summary>Which sender delivers it, e.g. <see cref="OutboxKinds.Chat"/>.</summary>
    public string Kind { get; init; } = "";

    /// <summary>Dedupe key, unique per kind (e.g. <c>bug:123/rollout:12</c>); null for none.</summary>
    public string? Key { get; init; }

    /// <summary>What to deliver, as JSON the sender of the kind understands.</summary>
    public string Payload { get; init; } = "";

    public OutboxState State { get; init; } = OutboxState.Pending;

    public int Attempts { get; init; }

    /// <summary>Not to be tried before this time (set after a failed attempt).</summary>
    public DateTimeOffset NextAttemptAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>What the receiver called the delivered thing (a chat message id, a comment id), for later edits.</summary>
    public string? Receipt { get; init; }
}

/// <summary>How many entries of one kind are in one state.</summary>
public sealed record OutboxCount(string Kind, OutboxState State, int Count);

/// <summary>The kinds of outbox entry the program delivers.</summary>
public static class OutboxKinds
{
    public const string Chat = "chat";
    public const string BugComment = "bug-comment";

    /// <summary>An event still to be announced (see <see cref="AnnounceEntries"/>), written with the state change itself.</summary>
    public const string Announce = "announce";
}

/// <summary>How an entry changes with each outcome; every store applies the same ones.</summary>
public static class OutboxTransitions
{
    public static OutboxEntry Sent(OutboxEntry e, DateTimeOffset at, string? receipt) =>
        e with { State = OutboxState.Sent, DeliveredAt = at, Attempts = e.Attempts + 1, Receipt = receipt, LastError = null };

    public static OutboxEntry AttemptFailed(OutboxEntry e, string error, DateTimeOffset nextAttemptAt) =>
        e with { Attempts = e.Attempts + 1, LastError = error, NextAttemptAt = nextAttemptAt };

    public static OutboxEntry Failed(OutboxEntry e, string error) => e with { State = OutboxState.Failed, LastError = error };

    /// <summary>How many of <paramref name="entries"/> are of each kind and state, by kind then state.</summary>
    public static IReadOnlyList<OutboxCount> Counts(IEnumerable<OutboxEntry> entries) => entries
        .GroupBy(e => (e.Kind, e.State))
        .Select(g => new OutboxCount(g.Key.Kind, g.Key.State, g.Count()))
        .OrderBy(c => c.Kind, StringComparer.Ordinal).ThenBy(c => c.State)
        .ToList();
}
