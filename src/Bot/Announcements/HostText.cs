using System.Globalization;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using ChatOpsReconfig.Deployer.Transport;

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

    /// <summary>A step's output; for a step an interrupted rollout already did, why it did not run again.</summary>
    public static string Stdout(StepResult s) => s.AlreadyDoneBy is { } rollout
        ? $"already done on this host by interrupted rollout #{rollout.ToString(CultureInfo.InvariantCulture)} at these revisions (host journal); not run again\n"
        : Tail(s.StdoutTail, s.StdoutDropped);

    /// <summary>A step's error output.</summary>
    public static string Stderr(StepResult s) => Tail(s.StderrTail, s.StderrDropped);

    /// <summary>An output tail, said to start partway (<c>[… 123 earlier bytes dropped …]</c>) when the host printed more than was kept.</summary>
    private static string Tail(string tail, long dropped) =>
        dropped > 0 ? $"[… {dropped.ToString(CultureInfo.InvariantCulture)} earlier bytes dropped …]\n" + tail : tail;

    /// <summary>What a step said when it did not end ok: <c>refused to run: …</c> for a refused one.</summary>
    public static string? StepDetail(StepResult s) =>
        s.CommandError is { } e ? SafeText.Clean(TransportText.Command(e), MaxDetail)
        : s.Refusal is { Count: > 0 } refusal ? RefusedToRun + Refused(refusal)
        : s.Error is null ? null
        : s.Status == StepStatus.Refused ? RefusedToRun + SafeText.Clean(s.Error, MaxDetail) : SafeText.Clean(s.Error, MaxDetail);

    private const string RefusedToRun = "refused to run: ";

    /// <summary>Why a command was not built: <c>revision 'x;rm' of repo 'tools' is not a hex revision; no path for repo 'custom'</c>.</summary>
    public static string Refused(IEnumerable<TemplateProblem> problems) => SafeText.Clean(string.Join("; ", problems.Select(Refusal)), MaxDetail);

    private static string Refusal(TemplateProblem p)
    {
        var value = SafeText.Clean(p.Value, 80);
        var ofRepo = $"of repo '{SafeText.Clean(p.Repo, 80)}'";
        return (p.Kind, p.Placeholder) switch
        {
            (TemplateProblemKind.UnclosedBrace, _) => $"unclosed '{{' at offset {p.Offset}",
            (TemplateProblemKind.UnmatchedBrace, _) => $"unmatched '}}' at offset {p.Offset}",
            (TemplateProblemKind.UnknownPlaceholder, _) => $"unknown placeholder {{{SafeText.Clean(p.Placeholder, 80)}}}",
            (TemplateProblemKind.NoValue, "rev") => $"no revision for repo '{SafeText.Clean(p.Repo, 80)}'",
            (TemplateProblemKind.NoValue, var name) => $"no {name} for repo '{SafeText.Clean(p.Repo, 80)}'",
            (_, "basedir") => $"basedir '{value}' is not a valid path",
            (_, "host") => $"host name '{value}' may only contain letters, digits, '.', '_' and '-' (not first)",
            (_, "path") => $"path '{value}' {ofRepo} is not a valid path",
            (_, "rev") => $"revision '{value}' {ofRepo} is not a hex revision",
            (_, "branch") => $"branch '{value}' {ofRepo} is not a valid branch name",
            _ => $"'{value}' is not a valid {SafeText.Clean(p.Placeholder, 80)}",
        };
    }

    /// <summary>Why the host did not end ok; empty when it did.</summary>
    public static string Failure(HostResult r) => Failure(r.Failure, r.LegacyError);

    public static string Failure(HostFailure? f, string? legacy)
    {
        if (f is null) return SafeText.Clean(legacy, MaxDetail);
        var detail = f.Refusal is { Count: > 0 } refusal ? Refused(refusal) : SafeText.Clean(f.CommandError is { } e ? TransportText.Command(e) : f.Detail, MaxDetail);
        var text = f.Kind switch
        {
            HostFailureKind.Step => $"{f.Step}: {(f.StepStatus == StepStatus.Refused ? RefusedToRun : "")}{(detail.Length > 0 ? detail : Ended(f))}",
            HostFailureKind.LockTimedOut => $"another sequence (rollout #{f.OtherRollout?.ToString(CultureInfo.InvariantCulture) ?? "?"}) still holds this host's lock after {f.Seconds}s; nothing run",
            HostFailureKind.Connect when f.HostKey is { } key => HostKey(key),
            HostFailureKind.Connect when f.ConnectFailure is { } c => SafeText.Clean(TransportText.Connect(c), MaxDetail),
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
            RestoreOutcome.Failed => "; restore failed: " + (
                f.RestoreCommandError is { } r ? SafeText.Clean(TransportText.Command(r), MaxDetail)
                : f.RestoreRefusal is { Count: > 0 } refused ? RefusedToRun + Refused(refused)
                : f.RestoreDetail is { Length: > 0 } d ? SafeText.Clean(d, MaxDetail)
                : Step(f.RestoreStatus ?? StepStatus.Error)),
            _ => "",
        };
    }

    /// <summary>
    /// What the host, the transport or an exception said about a failure, without our framing (the lag alarm's
    /// <c>last rollout #7 failed at checkconfig: …</c>); null when nothing was said.
    /// </summary>
    public static string? FailureDetail(HostFailure? f, string? legacy)
    {
        var said = f switch
        {
            { CommandError: { } e } => TransportText.Command(e),
            { HostKey: { } key } => HostKey(key),
            { ConnectFailure: { } c } => TransportText.Connect(c),
            { Refusal: { Count: > 0 } refusal } => RefusedToRun + Refused(refusal),
            _ => f?.Detail ?? legacy,
        };
        return said is null ? null : SafeText.Clean(said, MaxDetail);
    }

    /// <summary>
    /// Why a host key was refused, naming host, the key's fingerprint and the expected ones:
    /// <c>host key for bm01 (127.0.0.1:2222) changed: got SHA256:…, expected SHA256:… (known_hosts line 3) — refusing to connect</c>.
    /// </summary>
    public static string HostKey(HostKeyRefusal r)
    {
        var who = $"host key for {SafeText.Clean(r.Host, 120)}";
        var got = SafeText.Clean(r.Fingerprint, 80);
        var type = r.KeyType is { Length: > 0 } t ? SafeText.Clean(t, 80) : "unknown key type";
        var file = SafeText.Clean(r.KnownHosts, MaxDetail);
        var text = r.Problem switch
        {
            HostKeyProblem.PinChanged => $"{who} changed: got {got} ({type}), expected {Expected(r, e => $"{e.Fingerprint} (pinned hostKeyFingerprint)")}",
            HostKeyProblem.NoKnownHosts => $"{who} is unknown: got {got} ({type}); no known_hosts file is configured and no hostKeyFingerprint is pinned",
            HostKeyProblem.KnownHostsUnreadable => $"cannot read known_hosts {file} to verify the {who} ({got}): {SafeText.Clean(r.Detail, MaxDetail)}",
            HostKeyProblem.Revoked => $"{who} {got} ({type}) is marked @revoked in {file} line {r.Line}",
            HostKeyProblem.Changed => $"{who} changed: got {got}, expected {Expected(r, e => $"{e.Fingerprint} ({SafeText.Clean(e.Source, MaxDetail)} line {e.Line})")}",
            HostKeyProblem.OnlyOtherTypes =>
                $"{who} changed: got {got} ({type}), but only other keys are known: {Expected(r, e => $"{e.Fingerprint} ({SafeText.Clean(e.KeyType, 80)}, {SafeText.Clean(e.Source, MaxDetail)} line {e.Line})")}",
            _ => $"{who} is unknown: got {got} ({type}); {SafeText.Clean(r.LookupName, 120)} is not in {file} and no hostKeyFingerprint is pinned",
        };
        return text + " — refusing to connect";
    }

    private static string Expected(HostKeyRefusal r, Func<ExpectedHostKey, string> one) =>
        string.Join(" or ", r.Expected.Select(e => one(e with { Fingerprint = SafeText.Clean(e.Fingerprint, 80) })));

    /// <summary><c>exit 2</c>, <c>timed out after 30s</c>: how a step ended when it said nothing.</summary>
    private static string Ended(HostFailure f) => f.StepStatus switch
    {
        StepStatus.Failed when f.ExitCode is { } code => $"exit {code}",
        StepStatus.TimedOut when f.Seconds is { } s => $"timed out after {s}s",
        var status => Step(status ?? StepStatus.Error),
    };

    /// <summary>What the host lock did when it was not simply free; null when it was.</summary>
    public static string? Lock(HostLockNote? note) => note?.Action switch
    {
        LockAction.Waited => $"waited {note.WaitedSeconds}s for the sequence of rollout #{Holder(note)} still running on this host",
        LockAction.Stopped => $"stopped the orphaned sequence of interrupted rollout #{Holder(note)} still running on this host",
        LockAction.TimedOut => $"another sequence (rollout #{Holder(note)}) still holds this host's lock",
        _ => null,
    };

    private static string Holder(HostLockNote note) => note.Holder?.ToString(CultureInfo.InvariantCulture) ?? "?";

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
