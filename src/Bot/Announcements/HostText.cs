using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// How a host's run, step or lag reads: <c>checkconfig: exit 2: …; previous revisions restored</c>, <c>timed out</c>,
/// <c>behind</c>. What the host or transport said is echoed through the sanitizer; a host stored by an older build
/// shows its stored words.
/// </summary>
internal static class HostText
{
    private const int MaxDetail = 300;

    /// <summary>Lower-case words for people (also the web API's and the metrics' step labels).</summary>
    public static string Step(StepStatus status) => status switch
    {
        StepStatus.Ok => "ok",
        StepStatus.Failed => "failed",
        StepStatus.TimedOut => "timed out",
        StepStatus.Refused => "refused",
        _ => "error",
    };

    /// <summary>What a step said when it did not end ok: <c>refused to run: …</c> for a refused one.</summary>
    public static string? StepDetail(StepResult s) =>
        s.Error is null ? null : s.Status == StepStatus.Refused ? "refused to run: " + SafeText.Clean(s.Error, MaxDetail) : SafeText.Clean(s.Error, MaxDetail);

    /// <summary>Why the host did not end ok; empty when it did.</summary>
    public static string Failure(HostResult r) => Failure(r.Failure, r.LegacyError);

    public static string Failure(HostFailure? f, string? legacy)
    {
        if (f is null) return SafeText.Clean(legacy, MaxDetail);
        var detail = SafeText.Clean(f.Detail, MaxDetail);
        var text = f.Kind switch
        {
            HostFailureKind.Step => $"{f.Step}: {(f.StepStatus == StepStatus.Refused ? "refused to run: " : "")}{(detail.Length > 0 ? detail : Step(f.StepStatus ?? StepStatus.Error))}",
            HostFailureKind.Connect => detail.Length > 0 ? detail : "cannot connect",
            HostFailureKind.Start => detail.Length > 0 ? detail : "could not start; nothing run",
            HostFailureKind.CancelledBeforeStep => $"cancelled before step {f.Step}",
            HostFailureKind.CancelledWhileConnecting => "cancelled while connecting",
            HostFailureKind.CanaryFailed => $"not touched: canary {f.Canary} failed",
            HostFailureKind.RolloutCancelled => "not started: rollout cancelled",
            HostFailureKind.InterruptedDuringRun => "interrupted: the bot stopped during this host's run",
            HostFailureKind.InterruptedBeforeStart => "interrupted: the bot stopped before this host started",
            _ => $"internal error: {detail}",
        };
        return text + f.Restore switch
        {
            RestoreOutcome.Restored => "; previous revisions restored",
            RestoreOutcome.PreviousUnknown => "; cannot restore: previous revisions unknown",
            RestoreOutcome.Failed => "; restore failed: " + (f.RestoreDetail is { Length: > 0 } d ? SafeText.Clean(d, MaxDetail) : Step(f.RestoreStatus ?? StepStatus.Error)),
            _ => "",
        };
    }

    public static string Lag(HostLagState state) => state switch
    {
        HostLagState.InSync => "in sync",
        HostLagState.Behind => "behind",
        HostLagState.Partial => "partial",
        HostLagState.Failed => "failed",
        HostLagState.Unreachable => "unreachable",
        HostLagState.Disabled => "disabled",
        _ => "unknown",
    };

    /// <summary>The lag table's detail cell: which repos are behind, or why the host failed or is unreachable.</summary>
    public static string? LagDetail(HostLag row) => row.State switch
    {
        HostLagState.Failed when row.Failure is { Kind: HostFailureKind.Step } => Failure(row.Failure, null),
        HostLagState.Failed => row.FailedStep is { } step ? $"{step}: {Failure(row.Failure, row.LegacyError)}" : Failure(row.Failure, row.LegacyError),
        HostLagState.Unreachable => Failure(row.Failure, row.LegacyError),
        HostLagState.Partial => $"updated, not reconfigured: rollout #{row.LastRolloutId} stopped at {row.FailedStep ?? "a step"}",
        HostLagState.Behind => string.Join(", ", row.Repos.Where(c => !c.InSync).Select(c => c.Repo)),
        _ => null,
    };
}
