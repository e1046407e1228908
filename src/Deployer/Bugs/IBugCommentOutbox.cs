namespace ChatOpsReconfig.Deployer.Bugs;

public enum BugCommentState
{
    Pending,
    Sent,

    /// <summary>Given up: the bug does not exist, is not accessible, or the tracker refused the comment.</summary>
    Failed,
}

/// <summary>How a sent comment came to be on the bug.</summary>
public enum BugCommentDelivered
{
    Posted,

    /// <summary>A try after one whose answer was lost found the rollout's marker on the bug: not posted again.</summary>
    FoundOnBug,

    /// <summary>The tracker is in dry-run mode: the comment was logged, not sent.</summary>
    DryRun,
}

/// <summary>Why a comment was given up.</summary>
public enum BugCommentDropReason
{
    /// <summary>The entry's tracker is no longer in the config.</summary>
    TrackerRemoved,

    /// <summary>The bug does not exist or the bot may not see it.</summary>
    BugMissing,

    /// <summary>The tracker refused the comment.</summary>
    Refused,
}

/// <summary>A comment given up: why, and what the tracker answered (if it was asked).</summary>
public sealed record BugCommentDrop(BugCommentDropReason Reason, TrackerProblem? Problem = null)
{
    /// <summary>What the tracker answered, in the words older builds stored.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("Detail")]
    public string? LegacyDetail { get; init; }
}

/// <summary>
/// One bug comment on its way (an entry of kind <c>bug-comment</c> in the store's outbox), saved before any network
/// call. <see cref="Key"/> (tracker, bug, rollout) makes it unique: planning a rollout twice adds nothing.
/// </summary>
public sealed record BugCommentEntry
{
    public int Id { get; init; }

    /// <summary><c>{tracker}/{bug}/{rollout}</c>.</summary>
    public string Key { get; init; } = "";

    public string Tracker { get; init; } = "";

    public int Bug { get; init; }

    public int RolloutId { get; init; }

    public string Text { get; init; } = "";

    public BugCommentState State { get; init; } = BugCommentState.Pending;

    /// <summary>Tries that ended (failed or delivered).</summary>
    public int Attempts { get; init; }

    /// <summary>A try began (saved before its first request): its POST may have landed even if no answer was recorded.</summary>
    public bool Begun { get; init; }

    public DateTimeOffset NextAttemptAt { get; init; }

    /// <summary>Pending: how the last failed try went.</summary>
    public TrackerProblem? LastProblem { get; init; }

    /// <summary>
    /// The same, or (given up by an older build) the reason, in the words an older build stored (<see cref="Dropped"/>
    /// is then null).
    /// </summary>
    public string? LegacyLastError { get; init; }

    /// <summary>Given up: why (the Bot words it).</summary>
    public BugCommentDrop? Dropped { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>Sent: how (the Bot words it).</summary>
    public BugCommentDelivered? Delivered { get; init; }

    /// <summary>Sent by an older build: how, in the words it stored (<see cref="Delivered"/> is then null).</summary>
    public string? LegacyNote { get; init; }

    public static string KeyOf(string tracker, int bug, int rolloutId) => $"{tracker}/{bug}/{rolloutId}";
}

/// <summary>Bug comments in the store's outbox, and which rollouts have been planned.</summary>
public interface IBugCommentOutbox
{
    /// <summary>Saves <paramref name="entry"/> as pending unless its key is already there; true when added.</summary>
    Task<bool> TryAddAsync(BugCommentEntry entry, CancellationToken cancellationToken);

    /// <summary>Pending entries whose next attempt is due at <paramref name="now"/>, oldest first.</summary>
    Task<IReadOnlyList<BugCommentEntry>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Every pending entry, oldest first.</summary>
    Task<IReadOnlyList<BugCommentEntry>> PendingAsync(CancellationToken cancellationToken);

    /// <summary>Records that a try begins, before its first request.</summary>
    Task MarkBegunAsync(BugCommentEntry entry, CancellationToken cancellationToken);

    Task MarkSentAsync(BugCommentEntry entry, DateTimeOffset at, BugCommentDelivered how, CancellationToken cancellationToken);

    Task MarkAttemptFailedAsync(BugCommentEntry entry, TrackerProblem problem, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken);

    Task MarkFailedAsync(BugCommentEntry entry, BugCommentDrop drop, CancellationToken cancellationToken);

    Task<BugCommentEntry?> FindAsync(string key, CancellationToken cancellationToken);

    /// <summary>Pending and given-up entries, then the newest sent ones, newest first.</summary>
    Task<IReadOnlyList<BugCommentEntry>> RecentAsync(int sent, CancellationToken cancellationToken);

    /// <summary>
    /// Records that <paramref name="tracker"/> was reported failing; false when it already was (then nothing changes). Kept
    /// in the store, so a failure alarms once in chat across restarts.
    /// </summary>
    Task<bool> TryRaiseFailingAsync(string tracker, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Forgets that <paramref name="tracker"/> was failing; true when it was (its recovery is then announced).</summary>
    Task<bool> TryClearFailingAsync(string tracker, CancellationToken cancellationToken);

    /// <summary>Whether rollout <paramref name="rolloutId"/>'s comments were planned.</summary>
    Task<bool> IsPlannedAsync(int rolloutId, CancellationToken cancellationToken);

    Task MarkPlannedAsync(int rolloutId, CancellationToken cancellationToken);

    /// <summary>The newest rollout planned (or taken as the starting point); null before the first.</summary>
    Task<int?> LastPlannedAsync(CancellationToken cancellationToken);
}
