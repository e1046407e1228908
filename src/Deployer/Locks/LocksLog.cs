using ChatOpsReconfig.Deployer.Audit;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Locks;

internal static partial class LocksLog
{
    [LoggerMessage(100, LogLevel.Information, "Lock {Action} by {Actor}: {Change} {Holders} until {Until} ({Duration})")]
    public static partial void Changed(ILogger logger, string action, string actor, HoldChange? change, IReadOnlyList<string> holders, DateTimeOffset? until, TimeSpan? duration);

    [LoggerMessage(101, LogLevel.Information, "Lock {Action} by {Actor} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string action, string actor, string reason);

    [LoggerMessage(102, LogLevel.Information, "Hold of {Holder} expires at {ExpiresAt}; warning sent")]
    public static partial void Expiring(ILogger logger, string holder, DateTimeOffset expiresAt);

    [LoggerMessage(103, LogLevel.Information, "Hold of {Holder} expired at {ExpiresAt}")]
    public static partial void Expired(ILogger logger, string holder, DateTimeOffset expiresAt);
}
