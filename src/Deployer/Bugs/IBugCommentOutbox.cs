namespace ChatOpsReconfig.Deployer.Bugs;

public enum BugCommentState
{
    Pending,
    Sent,

    /// <summary>Given up: the bug does not exist, is not accessible, or the tracker refused the comment.</summary>
    Failed,
}

/// <summary>
/// One bug comment on its way, saved before any network call. <see cref="Key"/> (tracker, bug, rollout) makes it
/// unique: planning a rollout twice adds nothing.
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

    /// <summary>Tries begun. Saved before each try: a try that began may have posted even if its answer was lost.</summary>
    public int Attempts { get; init; }

    public DateTimeOffset NextAttemptAt { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>Sent: the marker was already on the bug (an earlier try's answer was lost). Dry run: logged only.</summary>
    public string? Note { get; init; }

    public static string KeyOf(string tracker, int bug, int rolloutId) => $"{tracker}/{bug}/{rolloutId}";
}

/// <summary>Where bug comments wait for delivery (kind <c>bug-comment</c>, keyed by tracker, bug and rollout).</summary>
public interface IBugCommentOutbox
{
    /// <summary>Saves <paramref name="entry"/> as pending unless its key is already there; true when added.</summary>
    bool TryAdd(BugCommentEntry entry);

    /// <summary>Pending entries whose next attempt is due at <paramref name="now"/>, oldest first.</summary>
    IReadOnlyList<BugCommentEntry> Due(DateTimeOffset now);

    /// <summary>The earliest next attempt of any pending entry.</summary>
    DateTimeOffset? NextDue();

    void Update(BugCommentEntry entry);

    BugCommentEntry? Find(string key);

    /// <summary>Pending and failed entries, and the newest sent ones, newest first.</summary>
    IReadOnlyList<BugCommentEntry> Recent(int count);

    /// <summary>Whether rollout <paramref name="rolloutId"/>'s comments were planned.</summary>
    bool IsPlanned(int rolloutId);

    void MarkPlanned(int rolloutId);

    /// <summary>The newest rollout planned (or taken as the starting point); null before the first.</summary>
    int? LastPlanned();
}
