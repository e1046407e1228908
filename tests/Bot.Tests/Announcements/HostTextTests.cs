using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Fleet;
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
        // Stored by an older build: the template's refusal in words.
        { "checkconfig: refused to run: revision 'x;rm' is not a revision", StepFailure(StepStatus.Refused, "revision 'x;rm' is not a revision") },
        {
            "checkconfig: refused to run: revision 'x;rm' of repo 'tools' is not a hex revision",
            StepFailure(StepStatus.Refused, null) with { Refusal = [new() { Kind = TemplateProblemKind.InvalidValue, Placeholder = "rev", Repo = "tools", Value = "x;rm" }] }
        },
        {
            "checkconfig: exit 1; restore failed: refused to run: no path for repo 'tools'",
            StepFailure(StepStatus.Failed, "exit 1") with
            {
                Restore = RestoreOutcome.Failed, RestoreStatus = StepStatus.Refused,
                RestoreRefusal = [new() { Kind = TemplateProblemKind.NoValue, Placeholder = "path", Repo = "tools" }],
            }
        },
        { "checkconfig: exit 1; previous revisions restored", StepFailure(StepStatus.Failed, "exit 1") with { Restore = RestoreOutcome.Restored } },
        { "checkconfig: exit 1; cannot restore: previous revisions unknown", StepFailure(StepStatus.Failed, "exit 1") with { Restore = RestoreOutcome.PreviousUnknown } },
        { "checkconfig: exit 1; restore failed: timed out", StepFailure(StepStatus.Failed, "exit 1") with { Restore = RestoreOutcome.Failed, RestoreStatus = StepStatus.TimedOut } },
        { "checkconfig: exit 1; restore failed: fatal: bad object", StepFailure(StepStatus.Failed, "exit 1") with { Restore = RestoreOutcome.Failed, RestoreStatus = StepStatus.Failed, RestoreDetail = "fatal: bad object" } },
        // Stored by an older build: the transport's words, shown as stored.
        { "cannot reach bm04 (10.0.0.4:22): connection refused", HostFailure.Of(HostFailureKind.Connect, "cannot reach bm04 (10.0.0.4:22): connection refused") },
        { "the connection to bm01 is lost", HostFailure.Of(HostFailureKind.Start, "the connection to bm01 is lost") },
        // The transport's failures as data, worded by TransportText.
        {
            "cannot reach bm04 (10.0.0.4:22): connection refused (is sshd running on that port?)",
            HostFailure.Connect(new ConnectFailure { Kind = ConnectFailureKind.Unreachable, Problem = ConnectProblem.ConnectionRefused, Host = "bm04 (10.0.0.4:22)", Detail = "Connection refused" })
        },
        {
            "checkconfig: timed out after 30s; process group 4711 killed",
            StepFailure(StepStatus.TimedOut, null) with { Seconds = 31, CommandError = new CommandError { Kind = CommandErrorKind.TimedOut, Seconds = 30, Stop = new CommandStop { Kind = StopKind.Killed, ProcessGroup = 4711 } } }
        },
        {
            "checkconfig: exit 1; restore failed: the connection to bm01 (10.0.0.1:22) broke while the command ran: Socket closed",
            StepFailure(StepStatus.Failed, "exit 1") with
            {
                Restore = RestoreOutcome.Failed, RestoreStatus = StepStatus.Error,
                RestoreCommandError = new CommandError { Kind = CommandErrorKind.BrokeWhileRunning, Host = "bm01 (10.0.0.1:22)", Detail = "Socket closed" },
            }
        },
        {
            "bm01 (10.0.0.1:22) did not take the host lock within 75s",
            HostFailure.Start(new CommandError { Kind = CommandErrorKind.DriverSilent, Host = "bm01 (10.0.0.1:22)", Waiting = DriverWait.Lock, Seconds = 75 })
        },
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

    private const string Got = "SHA256:gotgotgot";
    private const string Want = "SHA256:wantwant";

    private static HostKeyRefusal Key(HostKeyProblem problem) =>
        new() { Problem = problem, Host = "bm01 (127.0.0.1:2222)", Fingerprint = Got, KeyType = "ssh-ed25519", KnownHosts = "/etc/chatops/known_hosts" };

    private static ExpectedHostKey Known(int line, string type = "ssh-ed25519") =>
        new() { Fingerprint = Want, KeyType = type, Source = "/etc/chatops/known_hosts", Line = line };

    public static TheoryData<string, HostKeyRefusal> HostKeys() => new()
    {
        {
            $"host key for bm01 (127.0.0.1:2222) changed: got {Got} (ssh-ed25519), expected {Want} (pinned hostKeyFingerprint) — refusing to connect",
            Key(HostKeyProblem.PinChanged) with { KnownHosts = null, Expected = [new() { Fingerprint = Want }] }
        },
        {
            $"host key for bm01 (127.0.0.1:2222) is unknown: got {Got} (ssh-ed25519); no known_hosts file is configured and no hostKeyFingerprint is pinned — refusing to connect",
            Key(HostKeyProblem.NoKnownHosts) with { KnownHosts = null }
        },
        {
            $"cannot read known_hosts /etc/chatops/known_hosts to verify the host key for bm01 (127.0.0.1:2222) ({Got}): Permission denied — refusing to connect",
            Key(HostKeyProblem.KnownHostsUnreadable) with { Detail = "Permission denied" }
        },
        {
            $"host key for bm01 (127.0.0.1:2222) {Got} (ssh-ed25519) is marked @revoked in /etc/chatops/known_hosts line 4 — refusing to connect",
            Key(HostKeyProblem.Revoked) with { Line = 4 }
        },
        {
            $"host key for bm01 (127.0.0.1:2222) changed: got {Got}, expected {Want} (/etc/chatops/known_hosts line 3) or {Want} (/etc/chatops/known_hosts line 9) — refusing to connect",
            Key(HostKeyProblem.Changed) with { Expected = [Known(3), Known(9)] }
        },
        {
            $"host key for bm01 (127.0.0.1:2222) changed: got {Got} (ssh-ed25519), but only other keys are known: {Want} (ssh-rsa, /etc/chatops/known_hosts line 2) — refusing to connect",
            Key(HostKeyProblem.OnlyOtherTypes) with { Expected = [Known(2, "ssh-rsa")] }
        },
        {
            $"host key for bm01 (127.0.0.1:2222) is unknown: got {Got} (unknown key type); [127.0.0.1]:2222 is not in /etc/chatops/known_hosts and no hostKeyFingerprint is pinned — refusing to connect",
            Key(HostKeyProblem.Unknown) with { KeyType = null, LookupName = "[127.0.0.1]:2222" }
        },
        // A key type or a file system message is echoed through the sanitizer.
        {
            $"host key for bm01 (127.0.0.1:2222) {Got} (ssh-@\u200Beveryone) is marked @revoked in /etc/chatops/known_hosts line 1 — refusing to connect",
            Key(HostKeyProblem.Revoked) with { KeyType = "ssh-@everyone\n", Line = 1 }
        },
    };

    [Theory]
    [MemberData(nameof(HostKeys))]
    public void Failure_RefusedHostKey_ReadsAsPinned(string expected, HostKeyRefusal key) =>
        Assert.Equal(expected, HostText.Failure(new HostResult { Outcome = HostOutcome.Failed, Failure = new HostFailure { Kind = HostFailureKind.Connect, HostKey = key } }));

    [Fact]
    public void Failure_StoredByAnOlderBuild_ShowsItsWordsSanitized()
    {
        Assert.Equal("checkconfig: exit 1; previous revisions restored", HostText.Failure(new HostResult { LegacyError = "checkconfig: exit 1; previous revisions restored" }));
        Assert.Equal("@\u200Bhere", HostText.Failure(null, "@here"));
        Assert.Equal("", HostText.Failure(new HostResult { Outcome = HostOutcome.Ok }));
    }

    [Fact]
    public void Stdout_OfAStepAnInterruptedRolloutDid_SaysWhyItDidNotRun()
    {
        Assert.Equal(
            "already done on this host by interrupted rollout #5 at these revisions (host journal); not run again\n",
            HostText.Stdout(new StepResult { Status = StepStatus.Ok, AlreadyDoneBy = 5 }));
        Assert.Equal("ok\n", HostText.Stdout(new StepResult { Status = StepStatus.Ok, StdoutTail = "ok\n" }));
    }

    [Fact]
    public void Tails_OfOutputTheTransportCut_SayHowMuchWasDropped()
    {
        var step = new StepResult { Status = StepStatus.Ok, StdoutTail = "6789\n", StdoutDropped = 1234, StderrTail = "warn\n", StderrDropped = 7 };

        Assert.Equal("[… 1234 earlier bytes dropped …]\n6789\n", HostText.Stdout(step));
        Assert.Equal("[… 7 earlier bytes dropped …]\nwarn\n", HostText.Stderr(step));
        Assert.Equal("warn\n", HostText.Stderr(step with { StderrDropped = 0 }));
    }

    public static TheoryData<string, TemplateProblem> Refusals() => new()
    {
        { "revision 'abc;reboot' of repo 'tools' is not a hex revision", new() { Kind = TemplateProblemKind.InvalidValue, Placeholder = "rev", Repo = "tools", Value = "abc;reboot" } },
        { "path '/srv/x' of repo 'tools' is not a valid path", new() { Kind = TemplateProblemKind.InvalidValue, Placeholder = "path", Repo = "tools", Value = "/srv/x" } },
        { "branch '../etc' of repo 'tools' is not a valid branch name", new() { Kind = TemplateProblemKind.InvalidValue, Placeholder = "branch", Repo = "tools", Value = "../etc" } },
        { "basedir '' is not a valid path", new() { Kind = TemplateProblemKind.InvalidValue, Placeholder = "basedir", Value = "" } },
        { "host name 'bm 01' may only contain letters, digits, '.', '_' and '-' (not first)", new() { Kind = TemplateProblemKind.InvalidValue, Placeholder = "host", Value = "bm 01" } },
        { "no revision for repo 'custom'", new() { Kind = TemplateProblemKind.NoValue, Placeholder = "rev", Repo = "custom" } },
        { "no branch for repo 'custom'", new() { Kind = TemplateProblemKind.NoValue, Placeholder = "branch", Repo = "custom" } },
        { "unknown placeholder {nope}", new() { Kind = TemplateProblemKind.UnknownPlaceholder, Placeholder = "nope" } },
        { "unclosed '{' at offset 12", new() { Kind = TemplateProblemKind.UnclosedBrace, Offset = 12 } },
        { "unmatched '}' at offset 5", new() { Kind = TemplateProblemKind.UnmatchedBrace, Offset = 5 } },
        { "revision '@\u200Beveryone' of repo 'tools' is not a hex revision", new() { Kind = TemplateProblemKind.InvalidValue, Placeholder = "rev", Repo = "tools", Value = "@everyone\u202E" } },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void StepDetail_RefusedStep_WordsTheTemplateProblem(string expected, TemplateProblem problem)
    {
        var step = new StepResult { Name = "update", Status = StepStatus.Refused, Refusal = [problem] };

        Assert.Equal("refused to run: " + expected, HostText.StepDetail(step));
    }

    [Fact]
    public void StepDetail_SeveralTemplateProblems_JoinedInOrder()
    {
        var step = new StepResult
        {
            Status = StepStatus.Refused,
            Refusal = [new() { Kind = TemplateProblemKind.NoValue, Placeholder = "path", Repo = "a" }, new() { Kind = TemplateProblemKind.InvalidValue, Placeholder = "rev", Repo = "a", Value = "x" }],
        };

        Assert.Equal("refused to run: no path for repo 'a'; revision 'x' of repo 'a' is not a hex revision", HostText.StepDetail(step));
    }

    [Fact]
    public void StepDetail_RefusedStepSaysSo()
    {
        Assert.Equal("refused to run: bad value", HostText.StepDetail(new StepResult { Status = StepStatus.Refused, Error = "bad value" }));
        Assert.Equal("exit 1", HostText.StepDetail(new StepResult { Status = StepStatus.Failed, Error = "exit 1" }));
        Assert.Null(HostText.StepDetail(new StepResult { Status = StepStatus.Ok }));
        Assert.Equal("killed by signal TERM", HostText.StepDetail(new StepResult { Status = StepStatus.Failed, ExitCode = 143, CommandError = new CommandError { Kind = CommandErrorKind.Signal, Signal = "TERM" } }));
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
