using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Bugs;

internal static partial class BugsLog
{
    [LoggerMessage(1500, LogLevel.Information, "Bug comment planned: {Tracker} bug {Bug} for rollout #{RolloutId}")]
    public static partial void Planned(ILogger logger, string tracker, int bug, int rolloutId);

    [LoggerMessage(1501, LogLevel.Information, "Bug comment posted: {Tracker} bug {Bug} for rollout #{RolloutId} (try {Attempt})")]
    public static partial void Posted(ILogger logger, string tracker, int bug, int rolloutId, int attempt);

    [LoggerMessage(1502, LogLevel.Information, "Bug comment already on {Tracker} bug {Bug} for rollout #{RolloutId} (an earlier try's answer was lost): not posted again")]
    public static partial void AlreadyThere(ILogger logger, string tracker, int bug, int rolloutId);

    [LoggerMessage(1503, LogLevel.Warning, "Bug comment to {Tracker} bug {Bug} for rollout #{RolloutId} failed (try {Attempt}), next try {NextAttempt:u}: {Problem}")]
    public static partial void Retrying(ILogger logger, string tracker, int bug, int rolloutId, int attempt, DateTimeOffset nextAttempt, TrackerProblem problem);

    [LoggerMessage(1504, LogLevel.Warning, "Bug comment to {Tracker} bug {Bug} for rollout #{RolloutId} dropped: {Reason} {Problem}")]
    public static partial void Dropped(ILogger logger, string tracker, int bug, int rolloutId, BugCommentDropReason reason, TrackerProblem? problem);

    [LoggerMessage(1505, LogLevel.Information, "Dry run: would comment on {Tracker} bug {Bug} for rollout #{RolloutId}:\n{Text}")]
    public static partial void DryRun(ILogger logger, string tracker, int bug, int rolloutId, string text);

    [LoggerMessage(1506, LogLevel.Error, "Bug comment delivery loop failed; retrying")]
    public static partial void LoopFailed(ILogger logger, Exception exception);
}
