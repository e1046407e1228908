using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ChatOpsReconfig.Deployer;

/// <summary>
/// The one sanitizer for text the bot echoes from people, commits, hosts and hooks. It keeps what people wrote
/// readable (emoji and ZWJ sequences whole) and takes away what could hurt a channel or a reader: control characters
/// (line breaks fold to one space), bidi overrides and invisible characters (U+202E turns "gpj.exe" around),
/// mentions (<c>@everyone</c>, <c>@here</c>, <c>&lt;@123&gt;</c>, <c>&lt;@&amp;1&gt;</c>, <c>&lt;!here&gt;</c>, <c>&lt;#1&gt;</c>, broken with a
/// zero-width space) and backticks (which would open or close a code block). Over-long text is cut on a grapheme
/// boundary, never inside an emoji or a surrogate pair, and ends with <c>…</c>. Markup of a particular medium
/// (Discord's <c>*</c>, <c>_</c>, <c>~</c>) is the renderer's concern.
/// </summary>
public static partial class SafeText
{
    /// <summary>Breaks a mention without changing how it reads.</summary>
    public const char ZeroWidthSpace = '\u200B';

    /// <summary>One line of at most <paramref name="max"/> text elements (plus <c>…</c> when cut); empty for null.</summary>
    public static string Clean(string? text, int max = 200)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(Math.Min(text.Length, 1024));
        var count = 0;
        var cut = false;
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            var element = (string)elements.Current;
            if (IsSpace(element))
            {
                if (sb.Length > 0 && sb[^1] != ' ') { sb.Append(' '); count++; }
            }
            else if (Keep(element) is { Length: > 0 } kept)
            {
                if (count >= max) { cut = true; break; }
                sb.Append(kept == "`" ? "'" : kept);
                count++;
            }

            if (count > max) { cut = true; break; }
        }

        var line = sb.ToString().Trim();
        line = NeutraliseMentions(line);
        return cut ? line.TrimEnd() + "…" : line;
    }

    /// <summary>
    /// Output of several lines (a step's stdout and stderr on the status page and in the API): as <see cref="Clean"/>,
    /// but line breaks and tabs stay, spaces are not folded and backticks are kept (it is shown as a block, not inside
    /// a line of chat). Over-long text keeps its last <paramref name="maxTail"/> text elements after a <c>…</c>, so it
    /// starts on a grapheme boundary too.
    /// </summary>
    public static string Block(string? text, int maxTail)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var kept = new List<string>();
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            var element = (string)elements.Current;
            var shown = element switch
            {
                "\n" or "\r\n" => "\n",
                "\t" => "\t",
                "\r" => "", // a progress meter's carriage return
                _ when IsSpace(element) => " ",
                _ => Keep(element),
            };
            if (shown.Length > 0) kept.Add(shown);
        }

        var cut = kept.Count > maxTail;
        var tail = string.Concat(cut ? kept.Skip(kept.Count - maxTail) : kept);
        return NeutraliseMentions(cut ? "…" + tail : tail);
    }

    /// <summary>
    /// A word someone must retype (a host name, a duration, a user name in a refusal): as <see cref="Clean"/>, but an
    /// invisible or control character is shown as <c>&lt;U+200B&gt;</c> instead of dropped, so <c>'bm\u200B01'</c> does
    /// not read as the valid <c>'bm01'</c> in an error.
    /// </summary>
    public static string Token(string? text, int max = 40)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(Math.Min(text.Length, (max * 2) + 16));
        for (var i = 0; i < text.Length && sb.Length < max * 8; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) sb.Append(c).Append(text[++i]);
            else if (char.IsSurrogate(c) || char.IsControl(c) || IsInvisible(c)) sb.Append(CultureInfo.InvariantCulture, $"<U+{(int)c:X4}>");
            else sb.Append(c);
        }

        // Inside quotes a leading or trailing space is part of what was typed ("'30m ' is not a duration").
        var shown = Clean(sb.ToString(), max);
        return (char.IsWhiteSpace(text[0]) ? " " : "") + shown + (char.IsWhiteSpace(text[^1]) && !shown.EndsWith('…') ? " " : "");
    }

    /// <summary><c>@everyone</c> → <c>@​everyone</c>, <c>&lt;@123&gt;</c> → <c>&lt;​@123&gt;</c>: reads the same, pings nobody.</summary>
    public static string NeutraliseMentions(string text)
    {
        if (text.IndexOfAny(['@', '<']) < 0) return text;
        text = AtMention().Replace(text, "@" + ZeroWidthSpace + "$1");
        return AngleMention().Replace(text, "<" + ZeroWidthSpace + "$1");
    }

    private static bool IsSpace(string element) => element.Length > 0 && element.All(c => c is '\n' or '\r' or '\t' or '\v' or '\f' || c == ' ' || char.GetUnicodeCategory(c) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);

    /// <summary>The element without its dangerous code points; empty when nothing visible is left.</summary>
    private static string Keep(string element)
    {
        var sb = new StringBuilder(element.Length);
        var visible = false;
        foreach (var rune in element.EnumerateRunes())
        {
            if (rune == Rune.ReplacementChar && !element.Contains('\uFFFD', StringComparison.Ordinal)) continue; // a lone surrogate
            if (Rune.IsControl(rune) || IsInvisible(rune.Value)) continue;
            // ZWJ, variation selectors and tags only join visible characters: alone (an emoji stripped before) they go.
            if (rune.Value is 0x200D or 0x200C || Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format || Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark && !visible)
            {
                if (visible) sb.Append(rune.ToString());
                continue;
            }

            visible = true;
            sb.Append(rune.ToString());
        }

        return visible ? sb.ToString().TrimEnd('\u200D', '\u200C') : "";
    }

    /// <summary>Bidi controls, zero-width spaces and other characters that change text without being seen.</summary>
    private static bool IsInvisible(int c) =>
        c is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069) or 0x200E or 0x200F or 0x061C
            or 0x200B or 0x2060 or 0xFEFF or 0x00AD or 0x180E or (>= 0x2061 and <= 0x2064) or 0xFFF9 or 0xFFFA or 0xFFFB or 0xFFFC
            or (>= 0xD800 and <= 0xDFFF);

    [GeneratedRegex(@"<([@#!])")]
    private static partial Regex AngleMention();

    [GeneratedRegex(@"(?<!<)@(\S)")]
    private static partial Regex AtMention();
}
