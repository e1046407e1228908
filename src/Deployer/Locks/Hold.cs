namespace ChatOpsReconfig.Deployer.Locks;

/// <summary>
/// One person's claim on the deploy lock. While any hold is active (<see cref="IsActiveAt"/>), nothing deploys.
/// Each person has at most one hold; <see cref="HolderId"/> identifies it.
/// </summary>
public sealed record Hold
{
    /// <summary>The chat user id of the holder (stable across renames).</summary>
    public string HolderId { get; init; } = "";

    /// <summary>The name people see in chat.</summary>
    public string HolderName { get; init; } = "";

    /// <summary>Why the lock is held, as its holder said (may be empty; see <see cref="RollbackTo"/>).</summary>
    public string Reason { get; init; } = "";

    /// <summary>The rollout whose set a rollback went back to (the <see cref="RollbackHolder"/> hold); the Bot words it.</summary>
    public int? RollbackTo { get; init; }

    /// <summary>Who placed a system hold (the person who asked for the rollback).</summary>
    public string? PlacedBy { get; init; }

    /// <summary>
    /// The commits whose <c>deploy: hold</c> lines placed the commit hold; the Bot words its name and reason from them.
    /// Null for other holds, and for commit holds stored by older builds (their words are in the name and reason).
    /// </summary>
    public List<HoldCommit>? Commits { get; init; }

    public DateTimeOffset Since { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>True once the expiry warning went out (or was not needed: the hold was taken for less than the warning lead).</summary>
    public bool Warned { get; init; }

    public bool IsActiveAt(DateTimeOffset t) => t < ExpiresAt;

    /// <summary>A system hold (after a rollback): it lasts until someone releases it.</summary>
    public bool UntilReleased => ExpiresAt == DateTimeOffset.MaxValue;

    /// <summary>The holder id of the hold a rollback places; <c>!unlock rollback</c> releases it.</summary>
    public const string RollbackHolder = "system:rollback";

    /// <summary>Time left at <paramref name="t"/>, never negative.</summary>
    public TimeSpan RemainingAt(DateTimeOffset t) => ExpiresAt > t ? ExpiresAt - t : TimeSpan.Zero;
}

/// <summary>A commit that asked for a hold: its revision, author, and the reason its <c>deploy: hold</c> line gave (empty: none).</summary>
public sealed record HoldCommit
{
    public string Rev { get; init; } = "";

    public string Author { get; init; } = "";

    public string Reason { get; init; } = "";
}
