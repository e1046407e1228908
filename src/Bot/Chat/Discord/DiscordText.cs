using System.Text;
using System.Text.RegularExpressions;

namespace ChatOpsReconfig.Bot.Chat.Discord;

/// <summary>
/// The bot's plain text as Discord Markdown: aligned tables (a header, a dashed rule, rows) go in code blocks so the
/// columns line up, and text over the 2,000-character limit is split at line ends, closing and reopening the code
/// block, so no row is broken. Outside tables the text is shown as written: Markdown characters are escaped (the
/// bot's texts are plain, and echoed text such as <c>*bold*</c> in a lock reason must not turn into formatting).
/// Mentions are harmless anyway: every message is sent with <c>allowed_mentions</c> off.
/// </summary>
internal static partial class DiscordText
{
    private const string Fence = "```";

    public static string Format(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var sb = new StringBuilder(text.Length + 16);
        var inTable = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var startsTable = !inTable && i + 1 < lines.Length && lines[i].Trim().Length > 0 && TableRule().IsMatch(lines[i + 1]);
            if (startsTable)
            {
                sb.Append(Fence).Append('\n');
                inTable = true;
            }
            else if (inTable && lines[i].Trim().Length == 0)
            {
                sb.Append(Fence).Append('\n');
                inTable = false;
            }

            // A cell holding ``` would end the code block early.
            sb.Append(inTable ? lines[i].Replace(Fence, "`\u200b``", StringComparison.Ordinal) : Literal(lines[i])).Append('\n');
        }

        if (inTable) sb.Append(Fence).Append('\n');
        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>Parts of at most <paramref name="limit"/> characters, split at line ends; an open code block is closed and reopened.</summary>
    public static IReadOnlyList<string> Split(string text, int limit = DiscordRest.MaxContentLength)
    {
        if (text.Length <= limit) return [text];
        var parts = new List<string>();
        var current = new StringBuilder();
        var inFence = false;
        var reserve = Fence.Length + 1;
        foreach (var raw in text.Split('\n'))
        {
            var isFence = raw.StartsWith(Fence, StringComparison.Ordinal);
            var line = raw.Length > limit - (2 * reserve) - 1 ? raw[..(limit - (2 * reserve) - 2)] + "…" : raw;
            if (current.Length + line.Length + 1 + (inFence ? reserve : 0) > limit && current.Length > 0)
            {
                if (inFence) current.Append(Fence);
                parts.Add(current.ToString().TrimEnd('\n'));
                current.Clear();
                if (inFence && !isFence) current.Append(Fence).Append('\n');
            }

            if (isFence && inFence && current.Length == 0)
            {
                // The block closed exactly at a split: the reopened fence would be empty.
                inFence = false;
                continue;
            }

            current.Append(line).Append('\n');
            if (isFence) inFence = !inFence;
        }

        if (current.Length > 0) parts.Add(current.ToString().TrimEnd('\n'));
        return parts;
    }

    /// <summary>
    /// One plain line as Discord shows it literally: <c>\ * _ ~ | ` [ ]</c> escaped, and <c>&gt;</c>, <c>#</c>, <c>-</c> at
    /// the start (quote, heading, list). URLs are left alone, or Discord would no longer link them.
    /// </summary>
    public static string Literal(string line)
    {
        var parts = Url().Split(line);
        var sb = new StringBuilder(line.Length + 8);
        foreach (var part in parts)
        {
            if (Url().IsMatch(part)) { sb.Append(part); continue; }
            foreach (var c in part)
            {
                if (c is '\\' or '*' or '_' or '~' or '|' or '`' or '[' or ']') sb.Append('\\');
                sb.Append(c);
            }
        }

        var text = sb.ToString();
        var start = text.Length - text.TrimStart().Length;
        return start < text.Length && text[start] is '>' or '#' or '-' ? text[..start] + "\\" + text[start..] : text;
    }

    [GeneratedRegex(@"(https?://\S+)")]
    private static partial Regex Url();

    /// <summary>The dashed rule under a table header, as <c>TextTable</c> draws it.</summary>
    [GeneratedRegex("^-{2,}(  -+)*$")]
    private static partial Regex TableRule();
}
