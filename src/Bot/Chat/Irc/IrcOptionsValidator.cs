using System.Text.RegularExpressions;
using ChatOpsReconfig.Bot.Hosting;

namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>Checks <c>chat.irc</c> for <c>validate-config</c>; every problem as <c>chat.irc.key: message</c>.</summary>
internal static partial class IrcOptionsValidator
{
    public static IReadOnlyList<string> Validate(IrcOptions irc)
    {
        var p = new List<string>();
        if (string.IsNullOrWhiteSpace(irc.Server)) p.Add("chat.irc.server: required for chat.transport irc (e.g. irc.libera.chat)");
        else if (Uri.CheckHostName(irc.Server) == UriHostNameType.Unknown) p.Add($"chat.irc.server: '{irc.Server}' is not a host name or address");
        if (irc.Port is < 1 or > 65535) p.Add("chat.irc.port: must be between 1 and 65535");
        if (!NickPattern().IsMatch(irc.Nick)) p.Add("chat.irc.nick: 1-30 characters, a letter or one of [\\]^_`{|} first, then also digits and '-'");
        if (!ChannelPattern().IsMatch(irc.Channel)) p.Add("chat.irc.channel: '#' or '&' and up to 49 characters without spaces, commas or control characters (e.g. #releng)");
        if (irc.SaslAccount is { } account && !AccountPattern().IsMatch(account)) p.Add("chat.irc.saslAccount: an account name without spaces or control characters");
        if (irc.SaslPasswordEnv is { } env && !BotOptions.EnvironmentVariableName().IsMatch(env))
            p.Add("chat.irc.saslPasswordEnv: an environment variable name (letters, digits and '_', not starting with a digit)");
        if (irc.SaslPasswordFile is { } file)
        {
            switch (Web.HookSecret.ReadFile(file))
            {
                case { Error: { } error }:
                    p.Add($"chat.irc.saslPasswordFile: {error}");
                    break;
                case { Secret.Length: 0 }:
                    p.Add($"chat.irc.saslPasswordFile: {file} is empty");
                    break;
            }
        }

        if (irc.MessagesPerSecond is <= 0 or > 100) p.Add("chat.irc.messagesPerSecond: must be above 0 and at most 100");
        if (irc.Burst is < 1 or > 100) p.Add("chat.irc.burst: must be between 1 and 100");
        if (irc.TlsCertificateFile is { } cert && !File.Exists(cert)) p.Add($"chat.irc.tlsCertificateFile: {cert} does not exist");
        if (irc.TlsCertificateFile is not null && !irc.Tls) p.Add("chat.irc.tlsCertificateFile: only used with tls: true");
        return p;
    }

    [GeneratedRegex(@"^[A-Za-z\[\]\\^_`{|}][A-Za-z0-9\[\]\\^_`{|}-]{0,29}$")]
    private static partial Regex NickPattern();

    [GeneratedRegex(@"^[#&][^\s,\x00-\x1f\x07:]{1,49}$")]
    private static partial Regex ChannelPattern();

    [GeneratedRegex(@"^[^\s\x00-\x1f]{1,64}$")]
    private static partial Regex AccountPattern();
}
