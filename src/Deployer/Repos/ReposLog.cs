using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Repos;

internal static partial class ReposLog
{
    [LoggerMessage(301, LogLevel.Information, "Watching {Repo} ({Branch}) at {Head}")]
    public static partial void Baseline(ILogger logger, string repo, string branch, string head);

    [LoggerMessage(302, LogLevel.Information, "{Repo}: {Kind} {OldHead} -> {NewHead}, {Commits} new commits")]
    public static partial void Moved(ILogger logger, string repo, MergeKind kind, string? oldHead, string newHead, int commits);

    [LoggerMessage(303, LogLevel.Warning, "{Repo}: poll failed ({Failures} in a row): {Failure} {Command}: {Detail}")]
    public static partial void PollFailed(ILogger logger, string repo, int failures, RepoFailureKind failure, string? command, string? detail);

    [LoggerMessage(304, LogLevel.Information, "{Repo}: reachable again after failing since {Since}")]
    public static partial void Recovered(ILogger logger, string repo, DateTimeOffset since);

    [LoggerMessage(305, LogLevel.Error, "{Repo}: poll crashed")]
    public static partial void PollCrashed(ILogger logger, Exception exception, string repo);

    [LoggerMessage(309, LogLevel.Warning, "{Repo}: poll not recorded, the store cannot be written ({Problem}); the next poll looks again")]
    public static partial void PollNotSaved(ILogger logger, string repo, string problem);

    [LoggerMessage(307, LogLevel.Warning, "{Repo}: head {Head} was already recorded; a crash came between saving the merge and the head")]
    public static partial void AlreadyRecorded(ILogger logger, string repo, string head);

    [LoggerMessage(308, LogLevel.Debug, "{Repo}: polled in {Milliseconds:0} ms ({Outcome})")]
    public static partial void Polled(ILogger logger, string repo, PollOutcome outcome, double milliseconds);
}
