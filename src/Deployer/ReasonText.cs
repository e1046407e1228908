using System.Text;

namespace ChatOpsReconfig.Deployer;

/// <summary>The free-text reasons people give for holds and freezes: folded to one line and limited in length.</summary>
public static class ReasonText
{
    /// <summary>
    /// Longest accepted reason, in characters. A longer reason is refused rather than truncated, so nobody's
    /// explanation is silently cut short in the audit log.
    /// </summary>
    public const int MaxLength = 500;

    /// <summary>Trims, drops control characters and folds every run of white space (newlines too) into one space.</summary>
    public static string Normalize(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason)) return "";
        var sb = new StringBuilder(reason.Length);
        foreach (var c in reason.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                if (sb[^1] != ' ') sb.Append(' ');
            }
            else if (!char.IsControl(c))
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    /// <summary>The refusal for a (normalized) reason that is too long, or null.</summary>
    public static string? Check(string reason) =>
        reason.Length > MaxLength ? $"reason is {reason.Length} characters long; the maximum is {MaxLength}" : null;
}
