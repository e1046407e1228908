using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

/// <summary>How a host's failure, a step and a lag row read (pinned; the Deployer stores only the typed values).</summary>
public sealed class HostTextTests
{
    private static HostFailure StepFailure(StepStatus status, string? detail) =>
        new() { Kind = HostFailureKind.Step, Step = "checkconfig", StepStatus = status, Detail = detail };

    public static TheoryData<string, HostFailure> Failures() => new()
    {
        { "checkconfig: exit 2: master.cfg line 40", StepFailure(StepStatus.Failed, "exit 2: master.cfg line 40") },
        { "checkconfig: timed out", StepFailure(StepStatus.TimedOut, null) },
        { "checkconfig: timed out after 30s", StepFailure(StepStatus.TimedOut, null) with { Seconds = 30 } },
        { "checkconfig: exit 2", StepFailure(StepStatus.Failed, null) with { ExitCode = 2 } },
        { "another sequence (rollout #7) still holds this host's lock after 75s; nothing run", new HostFailure { Kind = HostFailureKind.LockTimedOut, OtherRollout = 7, Seconds = 75 } },
        { "checkconfig: refused to run: revision 'x;rm' is not a revision", StepFailure(StepStatus.Refused, "revision 'x;rm' is not a revision") },
        { "checkconfig: exit 1; previous revisions restored", StepFailure(StepStatus.Failed, "exit 1") with { Restore = RestoreOutcome.Restored } },
        { "checkconfig: exit 1; cannot restore: previous revisions unknown", StepFailure(StepStatus.Failed, "exit 1") with { Restore = RestoreOutcome.PreviousUnknown } },
        { "checkconfig: exit 1; restore failed: timed out", StepFailure(StepStatus.Failed, "exit 1") with { Restore = RestoreOutcome.Failed, RestoreStatus = StepStatus.TimedOut } },
        { "checkconfig: exit 1; restore failed: fatal: bad object", StepFailure(StepStatus.Failed, "exit 1") with { Restore = RestoreOutcome.Failed, RestoreStatus = StepStatus.Failed, RestoreDetail = "fatal: bad object" } },
        { "cannot reach bm04 (10.0.0.4:22): connection refused", HostFailure.Of(HostFailureKind.Connect, "cannot reach bm04 (10.0.0.4:22): connection refused") },
        { "cancelled before step checkconfig", new HostFailure { Kind = HostFailureKind.CancelledBeforeStep, Step = "checkconfig" } },
        { "cancelled while connecting", HostFailure.Of(HostFailureKind.CancelledWhileConnecting) },
        { "not touched: canary bm01 failed", new HostFailure { Kind = HostFailureKind.CanaryFailed, Canary = "bm01" } },
        { "not started: rollout cancelled", HostFailure.Of(HostFailureKind.RolloutCancelled) },
        { "interrupted: the bot stopped during this host's run", HostFailure.Of(HostFailureKind.InterruptedDuringRun) },
        { "interrupted: the bot stopped before this host started", HostFailure.Of(HostFailureKind.InterruptedBeforeStart) },
        { "internal error: Object reference not set", HostFailure.Of(HostFailureKind.Internal, "Object reference not set") },
        // What a host says is echoed through the sanitizer.
        { "checkconfig: @\u200Beveryone 'rm' evil", StepFailure(StepStatus.Failed, "@everyone `rm`\u202E evil\n") },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Failure_ReadsAsPinned(string expected, HostFailure failure) =>
        Assert.Equal(expected, HostText.Failure(new HostResult { Outcome = HostOutcome.Failed, Failure = failure }));

    [Fact]
    public void Failure_StoredByAnOlderBuild_ShowsItsWordsSanitized()
    {
        Assert.Equal("checkconfig: exit 1; previous revisions restored", HostText.Failure(new HostResult { LegacyError = "checkconfig: exit 1; previous revisions restored" }));
        Assert.Equal("@\u200Bhere", HostText.Failure(null, "@here"));
        Assert.Equal("", HostText.Failure(new HostResult { Outcome = HostOutcome.Ok }));
    }

    [Fact]
    public void StepDetail_RefusedStepSaysSo()
    {
        Assert.Equal("refused to run: bad value", HostText.StepDetail(new StepResult { Status = StepStatus.Refused, Error = "bad value" }));
        Assert.Equal("exit 1", HostText.StepDetail(new StepResult { Status = StepStatus.Failed, Error = "exit 1" }));
        Assert.Null(HostText.StepDetail(new StepResult { Status = StepStatus.Ok }));
    }

    [Fact]
    public void Lock_SaysWhatTheHostLockDid()
    {
        Assert.Equal("waited 12s for the sequence of rollout #7 still running on this host", HostText.Lock(new HostLockNote { Action = LockAction.Waited, Holder = 7, WaitedSeconds = 12 }));
        Assert.Equal("stopped the orphaned sequence of interrupted rollout #7 still running on this host", HostText.Lock(new HostLockNote { Action = LockAction.Stopped, Holder = 7 }));
        Assert.Null(HostText.Lock(null));
    }

    private static HostLag Lag(HostLagState state, HostFailure? failure = null, string? step = null, string? legacy = null) =>
        new("bm01", "master", state, [new RepoCell("configs", "a", "a", true), new RepoCell("custom", "a", "b", false)], 7, null, null)
        {
            Failure = failure, FailedStep = step, LegacyError = legacy,
        };

    public static TheoryData<string?, HostLag> LagDetails() => new()
    {
        { "custom", Lag(HostLagState.Behind) },
        { null, Lag(HostLagState.InSync) },
        { "checkconfig: exit 1", Lag(HostLagState.Failed, StepFailure(StepStatus.Failed, "exit 1"), "checkconfig") },
        { "connect: cannot reach bm01", Lag(HostLagState.Failed, HostFailure.Of(HostFailureKind.Connect, "cannot reach bm01"), "connect") },
        { "connection refused", Lag(HostLagState.Unreachable, HostFailure.Of(HostFailureKind.Connect, "connection refused"), "connect") },
        { "checkconfig: exit 1 (old)", Lag(HostLagState.Failed, null, "checkconfig", "exit 1 (old)") },
        { "updated, not reconfigured: rollout #7 stopped at checkconfig", Lag(HostLagState.Partial, null, "checkconfig") },
    };

    [Theory]
    [MemberData(nameof(LagDetails))]
    public void LagDetail_ReadsAsPinned(string? expected, HostLag row) => Assert.Equal(expected, HostText.LagDetail(row));

    [Fact]
    public void Labels() =>
        Assert.Equal(
            ["ok", "failed", "timed out", "error", "refused", "in sync", "behind", "partial", "failed", "unreachable", "disabled", "unknown"],
            [.. Enum.GetValues<StepStatus>().Select(HostText.Step), .. Enum.GetValues<HostLagState>().Select(HostText.Lag)]);
}
