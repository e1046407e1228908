using System.Text.RegularExpressions;

namespace ChatOpsReconfig.Bot.Chat;

internal static partial class ChatNames
{
    /// <summary>A user or channel name as typed in the console (<c>alice: !lock</c>).</summary>
    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    public static partial Regex Pattern();
}
