using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Policy;

internal static partial class PolicyLog
{
    [LoggerMessage(200, LogLevel.Warning, "CI gate {Host} for {Revision}: {Answer} {Detail}")]
    public static partial void CiUnknown(ILogger logger, string host, string revision, CiAnswer answer, string detail);

    [LoggerMessage(201, LogLevel.Information, "Freeze {Change} by {Actor} (previous: {Previous}) until {Until}: {Reason}")]
    public static partial void FreezeChanged(ILogger logger, Audit.FreezeChange change, string actor, string? previous, DateTimeOffset until, string reason);

    [LoggerMessage(202, LogLevel.Information, "Freeze {Action} by {Actor} refused: {Reason}")]
    public static partial void FreezeRefused(ILogger logger, string action, string actor, string reason);
}
