namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>
/// Who is logged in to services as whom. With IRCv3 <c>account-tag</c> every message names its sender's account
/// (no tag: not logged in); without it, the accounts learned from <c>extended-join</c> and <c>account-notify</c>.
/// </summary>
internal sealed class IrcAccounts
{
    private readonly Dictionary<string, string> _byNick = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The server tags messages with the sender's account.</summary>
    public bool AccountTag { get; set; }

    /// <summary>The server tells us about logins, logouts and accounts on join.</summary>
    public bool AccountNotify { get; set; }

    /// <summary>Whether the server gives us any way to know accounts.</summary>
    public bool CanIdentify => AccountTag || AccountNotify;

    /// <summary>The sender's services account, or null when they are not logged in (or we cannot know).</summary>
    public string? AccountOf(IrcMessage message)
    {
        if (message.Tags.TryGetValue("account", out var tagged)) return Account(tagged);
        if (AccountTag) return null;
        return message.Nick is { } nick && _byNick.TryGetValue(nick, out var known) ? known : null;
    }

    /// <summary>Learns from JOIN (extended-join), ACCOUNT, NICK, PART, QUIT and KICK.</summary>
    public void Observe(IrcMessage message)
    {
        var nick = message.Nick;
        if (nick is null) return;
        switch (message.Command)
        {
            case "JOIN" when message.Params.Count >= 2:
                Set(nick, message.Param(1));
                break;
            case "ACCOUNT":
                Set(nick, message.Param(0));
                break;
            case "NICK" when _byNick.Remove(nick, out var account):
                _byNick[message.Param(0)] = account;
                break;
            case "PART" or "QUIT":
                _byNick.Remove(nick);
                break;
            case "KICK":
                _byNick.Remove(message.Param(1));
                break;
        }
    }

    public void Clear() => _byNick.Clear();

    private void Set(string nick, string account)
    {
        if (Account(account) is { } known) _byNick[nick] = known;
        else _byNick.Remove(nick);
    }

    /// <summary>"*" (and nothing) means not logged in.</summary>
    private static string? Account(string value) => value is "" or "*" ? null : value;
}
