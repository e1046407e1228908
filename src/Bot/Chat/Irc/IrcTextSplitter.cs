using System.Text;

namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>
/// Turns a chat message into IRC lines: one line per line of text (a table row stays one row), long lines cut under
/// a byte budget on character boundaries (never inside a UTF-8 sequence or a surrogate pair), preferring a space.
/// Control characters (CR, LF, NUL, IRC formatting and CTCP's \x01) cannot reach the wire.
/// </summary>
internal static class IrcTextSplitter
{
    public static IReadOnlyList<string> Split(string text, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 16);
        var lines = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = Clean(raw);
            // IRC cannot send an empty message (412 ERR_NOTEXTTOSEND); blank lines between paragraphs are dropped.
            if (line.Trim().Length == 0) continue;
            Cut(line, maxBytes, lines);
        }

        return lines;
    }

    private static string Clean(string line)
    {
        var sb = new StringBuilder(line.Length);
        foreach (var rune in line.EnumerateRunes())
        {
            if (rune.Value == '\t') sb.Append(' ');
            else if (!Rune.IsControl(rune) && rune != Rune.ReplacementChar) sb.Append(rune.ToString());
        }

        return sb.ToString().TrimEnd();
    }

    private static void Cut(string line, int maxBytes, List<string> into)
    {
        var start = 0;
        while (start < line.Length)
        {
            var bytes = 0;
            var end = start;
            var lastSpace = -1;
            while (end < line.Length)
            {
                var rune = Rune.GetRuneAt(line, end);
                if (bytes + rune.Utf8SequenceLength > maxBytes) break;
                bytes += rune.Utf8SequenceLength;
                if (rune.Value == ' ' && end > start) lastSpace = end;
                end += rune.Utf16SequenceLength;
            }

            // Break at the last space when it keeps at least half the line; a space-less run is cut where it must be.
            if (end < line.Length && lastSpace > start + ((end - start) / 2)) end = lastSpace;
            into.Add(line[start..end]);
            start = end;
            if (start < line.Length && line[start] == ' ' && end == lastSpace) start++;
        }
    }
}
