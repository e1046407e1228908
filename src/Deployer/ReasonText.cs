namespace ChatOpsReconfig.Deployer;

/// <summary>The free-text reasons people give for holds and freezes: folded to one line and limited in length.</summary>
public static class ReasonText
{
    /// <summary>
    /// Longest accepted reason, in characters. A longer reason is refused rather than truncated, so nobody's
    /// explanation is silently cut short in the audit log.
    /// </summary>
    public const int MaxLength = 500;

    /// <summary>
    /// Made safe once, as it is stored, so every place that shows it (chat, status, the web page, the CLI, the audit)
    /// shows the same harmless text: one line, no control or bidi characters, mentions broken, emoji whole
    /// (<see cref="SafeText"/>). Not cut here: <see cref="Check"/> refuses an over-long reason instead.
    /// </summary>
    public static string Normalize(string? reason) => SafeText.Clean(reason, int.MaxValue);

    /// <summary>The refusal for a (normalized) reason that is too long, or null.</summary>
    public static string? Check(string reason) =>
        reason.Length > MaxLength ? $"reason is {reason.Length} characters long; the maximum is {MaxLength}" : null;
}
