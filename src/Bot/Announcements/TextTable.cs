using System.Text;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>A monospace table for chat: aligned columns, a header, and chunks that never break a row.</summary>
internal sealed class TextTable(params string[] headers)
{
    private const int DefaultMaxCell = 60;
    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    /// <summary>Longest cell before it is cut with an ellipsis.</summary>
    public int MaxCell { get; init; } = DefaultMaxCell;

    public TextTable Add(params string?[] cells)
    {
        _rows.Add(cells.Select(c => SafeText.Clean(c, MaxCell)).ToArray());
        return this;
    }

    /// <summary>The whole table as lines (header, rule, rows).</summary>
    public IReadOnlyList<string> Lines()
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => i < r.Length ? r[i].Length : 0))).ToArray();
        var lines = new List<string>(_rows.Count + 2)
        {
            Line(headers, widths),
            string.Join("  ", widths.Select(w => new string('-', w))),
        };
        lines.AddRange(_rows.Select(r => Line(r, widths)));
        return lines;
    }

    /// <summary>Splits the table into messages under <paramref name="limit"/> characters, repeating the header.</summary>
    public IReadOnlyList<string> Chunks(int limit, string? first = null)
    {
        var lines = Lines();
        var header = lines.Take(2).ToList();
        var chunks = new List<string>();
        var current = new StringBuilder();
        if (first is not null) current.Append(first).Append('\n');
        AppendLines(current, header);
        var rowsInChunk = 0;
        foreach (var row in lines.Skip(2))
        {
            var clipped = row.Length > limit - 64 ? row[..(limit - 65)] + "…" : row;
            if (current.Length + clipped.Length + 1 > limit && rowsInChunk > 0)
            {
                chunks.Add(current.ToString().TrimEnd('\n'));
                current.Clear();
                AppendLines(current, header);
                rowsInChunk = 0;
            }

            current.Append(clipped).Append('\n');
            rowsInChunk++;
        }

        chunks.Add(current.ToString().TrimEnd('\n'));
        return chunks;
    }

    private static void AppendLines(StringBuilder sb, IEnumerable<string> lines)
    {
        foreach (var l in lines) sb.Append(l).Append('\n');
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", widths.Select((w, i) => (i < cells.Length ? cells[i] : "").PadRight(w))).TrimEnd();

}

/// <summary>Splits long text into messages under a limit, at line boundaries.</summary>
internal static class MessageSplitter
{
    public static IReadOnlyList<string> Split(string text, int limit)
    {
        if (text.Length <= limit) return [text];
        var chunks = new List<string>();
        var current = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Length > limit ? raw[..(limit - 1)] + "…" : raw;
            if (current.Length + line.Length + 1 > limit && current.Length > 0)
            {
                chunks.Add(current.ToString().TrimEnd('\n'));
                current.Clear();
            }

            current.Append(line).Append('\n');
        }

        if (current.Length > 0) chunks.Add(current.ToString().TrimEnd('\n'));
        return chunks;
    }
}
