using System.Text;
using System.Text.RegularExpressions;

namespace ChatOpsReconfig.Bot.Chat.Discord;

/// <summary>
/// The bot's plain text as Discord Markdown: aligned tables (a header, a dashed rule, rows) go in code blocks so the
/// columns line up, and text over the 2,000-character limit is split at line ends, closing and reopening the code
/// block, so no row is broken. Mentions are harmless anyway: every message is sent with <c>allowed_mentions</c> off.
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
            sb.Append(inTable ? lines[i].Replace(Fence, "`\u200b``", StringComparison.Ordinal) : lines[i]).Append('\n');
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

    /// <summary>The dashed rule under a table header, as <c>TextTable</c> draws it.</summary>
    [GeneratedRegex("^-{2,}(  -+)*$")]
    private static partial Regex TableRule();
}
