using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer;

/// <summary>
/// Why a lock or freeze request changed nothing, as data. The words for people are the Bot's
/// (<c>Announcements/RefusalText</c>); the audit keeps the record's own <see cref="object.ToString"/>.
/// </summary>
public abstract record Refusal;

/// <summary>A duration under the minimum (<see cref="LockOptions.MinimumDuration"/>, or a minute for a freeze).</summary>
public sealed record DurationTooShort(TimeSpan Got, TimeSpan Minimum) : Refusal;

public sealed record DurationTooLong(TimeSpan Got, TimeSpan Maximum) : Refusal;

/// <summary>A reason longer than <see cref="Reasons.MaxLength"/> characters (refused, never cut).</summary>
public sealed record ReasonTooLong(int Length, int Maximum) : Refusal;

/// <summary>The person asked about (<paramref name="Target"/>, or the caller when null) holds no lock.</summary>
public sealed record NoHold(string? Target) : Refusal;

/// <summary>The system hold <paramref name="HolderName"/> (<c>rollback</c>, <c>commit</c>) is not held.</summary>
public sealed record NoSystemHold(string HolderName) : Refusal;

/// <summary><c>!unlock all</c> with no hold active.</summary>
public sealed record NothingToRelease : Refusal;

/// <summary>Extending by <paramref name="By"/> would make the hold last <paramref name="Length"/> from now, over the maximum.</summary>
public sealed record ExtensionTooLong(TimeSpan By, TimeSpan Length, TimeSpan Maximum) : Refusal;

/// <summary><c>!unfreeze</c> with no ad-hoc freeze; <paramref name="Scheduled"/> lists the scheduled windows open now.</summary>
public sealed record NoAdHocFreeze(IReadOnlyList<OpenFreeze> Scheduled) : Refusal
{
    // The audit shows the windows, not the list's type name.
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Scheduled = [").AppendJoin(", ", Scheduled).Append(']');
        return true;
    }
}

/// <summary>The free-text reasons people give for holds and freezes: made safe once, as stored, and limited in length.</summary>
public static class Reasons
{
    /// <summary>
    /// Longest accepted reason, in characters. A longer reason is refused rather than truncated, so nobody's
    /// explanation is silently cut short in the audit log.
    /// </summary>
    public const int MaxLength = 500;

    /// <summary>
    /// Made safe once, as it is stored, so every place that shows it (chat, status, the web page, the CLI, the audit)
    /// shows the same harmless text (<see cref="SafeText"/>). Not cut here: <see cref="Check"/> refuses an over-long reason.
    /// </summary>
    public static string Normalize(string? reason) => SafeText.Clean(reason, int.MaxValue);

    /// <summary>The refusal for a (normalized) reason that is too long, or null.</summary>
    public static Refusal? Check(string reason) => reason.Length > MaxLength ? new ReasonTooLong(reason.Length, MaxLength) : null;
}
