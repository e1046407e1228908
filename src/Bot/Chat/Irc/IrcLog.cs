using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>The IRC transport's log lines. None of them carries a password or a SASL payload.</summary>
internal static partial class IrcLog
{
    [LoggerMessage(1, LogLevel.Information, "Connecting to IRC {Server}:{Port} (tls: {Tls})")]
    public static partial void Connecting(ILogger logger, string server, int port, bool tls);

    [LoggerMessage(2, LogLevel.Information, "Registered on {Server} as {Nick}")]
    public static partial void Registered(ILogger logger, string nick, string server);

    [LoggerMessage(3, LogLevel.Information, "Joined {Channel} as {Nick}")]
    public static partial void Joined(ILogger logger, string channel, string nick);

    [LoggerMessage(4, LogLevel.Warning, "Disconnected from IRC {Server}: {Reason}; reconnecting in {DelaySeconds:0.0} s")]
    public static partial void Disconnected(ILogger logger, string server, string reason, double delaySeconds);

    [LoggerMessage(5, LogLevel.Warning, "Nick {Taken} is not available ({Numeric}); trying {Next}")]
    public static partial void NickTaken(ILogger logger, string taken, string next, string numeric);

    [LoggerMessage(6, LogLevel.Error, "SASL login as {Account} failed: {Reason}; continuing without a services login (check chat.irc.saslPasswordEnv / saslPasswordFile)")]
    public static partial void SaslFailed(ILogger logger, string account, string reason);

    [LoggerMessage(7, LogLevel.Error, "chat.irc: a SASL password is configured but {Server} does not offer SASL; continuing without a services login")]
    public static partial void SaslUnavailable(ILogger logger, string server);

    [LoggerMessage(8, LogLevel.Information, "Logged in to services as {Account}")]
    public static partial void LoggedIn(ILogger logger, string account);

    [LoggerMessage(9, LogLevel.Error, "chat.irc.requireAccount is set but {Server} offers neither account-tag nor account-notify with extended-join: nobody can be identified, every command will be refused")]
    public static partial void NoAccountSupport(ILogger logger, string server);

    [LoggerMessage(10, LogLevel.Warning, "Kicked from {Channel} by {By} ({Reason}); rejoining in 30 s")]
    public static partial void Kicked(ILogger logger, string channel, string by, string reason);

    [LoggerMessage(11, LogLevel.Error, "Cannot join {Channel} ({Numeric}: {Reason}); retrying in 30 s")]
    public static partial void JoinRefused(ILogger logger, string channel, string numeric, string reason);

    [LoggerMessage(12, LogLevel.Information, "Refused a command from {Nick}: not logged in to services (chat.irc.requireAccount)")]
    public static partial void Unidentified(ILogger logger, string nick);

    [LoggerMessage(13, LogLevel.Warning, "IRC server says: {Message}")]
    public static partial void ServerError(ILogger logger, string message);

    [LoggerMessage(14, LogLevel.Trace, "IRC {Command} received")]
    public static partial void Received(ILogger logger, string command);

    [LoggerMessage(15, LogLevel.Warning, "The server refused a message to {Channel} ({Numeric}: {Reason})")]
    public static partial void CannotSend(ILogger logger, string channel, string numeric, string reason);
}
