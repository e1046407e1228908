using System.Text;

namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>Builds outgoing lines; nothing given to it can end a line early or add a command.</summary>
internal static class IrcLine
{
    /// <summary>
    /// <c>COMMAND middle… :trailing</c>. Middle parameters must be single words; CR, LF and NUL in the trailing
    /// parameter become spaces, so text can never inject a second command.
    /// </summary>
    public static string Format(string command, IReadOnlyList<string> middle, string? trailing = null)
    {
        var sb = new StringBuilder(command);
        foreach (var p in middle)
        {
            if (p.Length == 0 || p[0] == ':' || p.Any(c => c is ' ' or '\r' or '\n' or '\0'))
                throw new ArgumentException($"not a valid IRC parameter: '{p}'", nameof(middle));
            sb.Append(' ').Append(p);
        }

        if (trailing is not null)
        {
            sb.Append(" :");
            foreach (var c in trailing) sb.Append(c is '\r' or '\n' or '\0' ? ' ' : c);
        }

        return sb.ToString();
    }
}
