using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>Log messages of the web endpoints. Hook messages never carry the secret or a signature.</summary>
internal static partial class WebLog
{
    [LoggerMessage(501, LogLevel.Information, "Web: listening on {Urls}")]
    public static partial void Listening(ILogger logger, string urls);

    [LoggerMessage(502, LogLevel.Information, "Hooks: requests must be signed (X-Hub-Signature-256; secret from {Source})")]
    public static partial void HooksSigned(ILogger logger, string source);

    [LoggerMessage(503, LogLevel.Information, "Hooks: no secret configured ({Variable} unset, no web.hookSecretFile); unsigned requests are accepted on loopback")]
    public static partial void HooksUnsignedOnLoopback(ILogger logger, string variable);

    [LoggerMessage(504, LogLevel.Warning, "Hooks: no secret configured ({Variable} unset, no web.hookSecretFile); anyone who reaches {Url} can trigger polls")]
    public static partial void HooksUnsigned(ILogger logger, string variable, string url);

    [LoggerMessage(510, LogLevel.Warning, "Hook {Endpoint} refused with {Status}: {Reason} (from {Remote})")]
    public static partial void Refused(ILogger logger, string endpoint, int status, string reason, string remote);

    [LoggerMessage(511, LogLevel.Information, "Hook {Endpoint} for {Repo} ignored: {Reason}")]
    public static partial void Ignored(ILogger logger, string endpoint, string repo, string reason);

    [LoggerMessage(512, LogLevel.Information, "Hook {Endpoint}: polling {Repo} now (push to {Branch} at {Revision})")]
    public static partial void Triggered(ILogger logger, string endpoint, string repo, string branch, string revision);

    [LoggerMessage(513, LogLevel.Information, "Hook {Endpoint}: ping answered")]
    public static partial void Pong(ILogger logger, string endpoint);

    [LoggerMessage(515, LogLevel.Warning, "Hooks: {Count} request bodies not read in the last {Minutes} min ({Reasons}); the last: {LastFrom}")]
    public static partial void BodiesNotRead(ILogger logger, int count, int minutes, string reasons, string lastFrom);

    [LoggerMessage(514, LogLevel.Debug, "Poll of {Repo} after a hook: {Outcome} {Error}")]
    public static partial void PolledAfterHook(ILogger logger, string repo, Deployer.Repos.PollOutcome outcome, string error);
}
