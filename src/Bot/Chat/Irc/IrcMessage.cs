using System.Text;

namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>
/// One IRC protocol line: <c>[@tags] [:prefix] COMMAND params… [:trailing]</c> (RFC 1459/2812 with IRCv3 message tags).
/// </summary>
internal sealed record IrcMessage(
    IReadOnlyDictionary<string, string> Tags,
    string? Prefix,
    string Command,
    IReadOnlyList<string> Params)
{
    private static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>();

    /// <summary>The nick part of the prefix (<c>nick!user@host</c>), or the whole prefix for a server.</summary>
    public string? Nick => Prefix is null ? null : Prefix.Split('!', 2)[0];

    public string Param(int index) => index < Params.Count ? Params[index] : "";

    /// <summary>Parses a line without its CR/LF; null when there is no command (empty or malformed).</summary>
    public static IrcMessage? Parse(string line)
    {
        var rest = line.AsSpan().TrimEnd("\r\n").TrimStart(' ');
        var tags = NoTags;
        if (rest.StartsWith("@"))
        {
            var end = rest.IndexOf(' ');
            if (end < 0) return null;
            tags = ParseTags(rest[1..end]);
            rest = rest[(end + 1)..].TrimStart(' ');
        }

        string? prefix = null;
        if (rest.StartsWith(":"))
        {
            var end = rest.IndexOf(' ');
            if (end < 0) return null;
            prefix = rest[1..end].ToString();
            rest = rest[(end + 1)..].TrimStart(' ');
        }

        var parameters = new List<string>();
        string? command = null;
        while (rest.Length > 0)
        {
            if (command is not null && rest[0] == ':')
            {
                parameters.Add(rest[1..].ToString());
                break;
            }

            var end = rest.IndexOf(' ');
            var word = end < 0 ? rest : rest[..end];
            if (command is null) command = word.ToString().ToUpperInvariant();
            else parameters.Add(word.ToString());
            rest = end < 0 ? [] : rest[(end + 1)..].TrimStart(' ');
        }

        return command is null ? null : new IrcMessage(tags, prefix, command, parameters);
    }

    /// <summary>Tag values are unescaped (<c>\:</c> ; <c>\s</c> space, <c>\\</c>, <c>\r</c>, <c>\n</c>); a key without a value maps to "".</summary>
    private static Dictionary<string, string> ParseTags(ReadOnlySpan<char> text)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var range in text.Split(';'))
        {
            var tag = text[range];
            if (tag.IsEmpty) continue;
            var eq = tag.IndexOf('=');
            var key = (eq < 0 ? tag : tag[..eq]).ToString();
            tags[key] = eq < 0 ? "" : Unescape(tag[(eq + 1)..]);
        }

        return tags;
    }

    private static string Unescape(ReadOnlySpan<char> value)
    {
        if (!value.Contains('\\')) return value.ToString();
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '\\')
            {
                sb.Append(value[i]);
                continue;
            }

            // A lone backslash at the end is dropped; an unknown escape keeps the character (IRCv3 message-tags).
            if (++i >= value.Length) break;
            sb.Append(value[i] switch { ':' => ';', 's' => ' ', 'r' => '\r', 'n' => '\n', var c => c });
        }

        return sb.ToString();
    }
}
