using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Transport;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>
/// One host's rollout: read revisions, run the role's steps in order, read revisions again, all in one sequence
/// (one channel, one login shell, under the host lock: <see cref="HostDriver"/>).
/// A failed gate step skips the later steps and re-runs the update step with the previous revisions.
/// When resuming an interrupted rollout, a step the host's journal shows finished ok by that rollout (at the same
/// pinned revisions) is not run again.
/// </summary>
internal sealed class HostRun(
    FleetConfig fleet,
    HostConfig host,
    IHostSession session,
    RevisionSet target,
    Func<HostResult, StepResult?, Task> save,
    int? resumedFrom = null)
{
    private const int StoredTailBytes = 4096;

    private readonly RoleConfig _role = fleet.Roles[host.Role];

    private IHostSequence _sequence = null!; // set at the start of RunAsync

    private int _rolloutId;

    public async Task<HostResult> RunAsync(HostResult result, CancellationToken stopToken)
    {
        // Another sequence on the host only ever finishes the step it is in (nobody sends it more), so the longest
        // step timeout bounds the wait for it.
        var lockWait = TimeSpan.FromSeconds(_role.Steps.Select(s => s.TimeoutSeconds).DefaultIfEmpty(60).Max()) + DriverLockSlack;
        _rolloutId = result.RolloutId;
        await using var sequence = await session.StartSequenceAsync(new SequenceOptions(result.RolloutId, resumedFrom, lockWait), CancellationToken.None);
        _sequence = sequence;
        var lockResult = sequence.Lock;
        if (lockResult.Action is LockAction.Waited or LockAction.Stopped or LockAction.TimedOut)
            result = result with { Lock = new HostLockNote { Action = lockResult.Action, Holder = lockResult.Holder, WaitedSeconds = lockResult.WaitedSeconds } };
        if (lockResult.Action == LockAction.TimedOut)
        {
            var failure = new HostFailure { Kind = HostFailureKind.LockTimedOut, OtherRollout = lockResult.Holder, Seconds = lockResult.WaitedSeconds };
            return result with { Outcome = HostOutcome.Failed, FailedStep = "lock", Failure = failure };
        }

        if (sequence.StartError is { } startError)
        {
            return result with { Outcome = HostOutcome.Failed, FailedStep = "connect", Failure = HostFailure.Start(startError) };
        }

        var read = await RevisionReader.ReadWithProblemsAsync(fleet, host, sequence, CancellationToken.None);
        var before = read.Revisions;
        result = result with { Before = before, RevisionReadProblems = [.. read.Problems] };
        await save(result, null);

        foreach (var step in _role.Steps)
        {
            if (stopToken.IsCancellationRequested)
            {
                result = result with { Outcome = HostOutcome.Cancelled, FailedStep = step.Name, Failure = new HostFailure { Kind = HostFailureKind.CancelledBeforeStep, Step = step.Name } };
                break;
            }

            // Running steps are not cancelled: they finish or hit their own timeout.
            var stepResult = await RunStepAsync(step, target.Revisions, step.Name);
            result = result with { Steps = [.. result.Steps, stepResult] };
            await save(result, stepResult);
            if (stepResult.Ok) continue;

            result = result with
            {
                Outcome = HostOutcome.Failed, FailedStep = step.Name,
                Failure = new HostFailure
                {
                    Kind = HostFailureKind.Step, Step = step.Name, StepStatus = stepResult.Status, Detail = stepResult.Error, Refusal = stepResult.Refusal, CommandError = stepResult.CommandError,
                    ExitCode = stepResult.ExitCode, Seconds = (int)Math.Round(stepResult.DurationMs / 1000.0),
                },
            };
            if (step.Gate) result = await RestoreAsync(result, before);
            break;
        }

        var after = await RevisionReader.ReadWithProblemsAsync(fleet, host, sequence, CancellationToken.None);
        if (result.Outcome == HostOutcome.Running) result = result with { Outcome = HostOutcome.Ok };
        return result with { After = after.Revisions, RevisionReadProblems = [.. result.RevisionReadProblems, .. after.Problems.Select(p => p with { At = RevisionReadAt.After })] };
    }

    private async Task<HostResult> RestoreAsync(HostResult result, Dictionary<string, string> before)
    {
        var update = _role.Steps.FirstOrDefault(s => s.Name == _role.UpdateStep);
        var known = before.Where(kv => CommandTemplate.IsValidRevision(kv.Value.TrimEnd('+')))
            .ToDictionary(kv => kv.Key, kv => kv.Value.TrimEnd('+'), StringComparer.Ordinal);
        if (update is null || known.Count != _role.Repos.Count)
        {
            return result with { Failure = result.Failure! with { Restore = RestoreOutcome.PreviousUnknown } }; // the gate step's failure, set before the restore
        }

        var restore = await RunStepAsync(update, known, "restore");
        result = result with { Steps = [.. result.Steps, restore] };
        await save(result, restore);
        return restore.Ok
            ? result with { Restored = true, Failure = result.Failure! with { Restore = RestoreOutcome.Restored } }
            : result with { Failure = result.Failure! with { Restore = RestoreOutcome.Failed, RestoreStatus = restore.Status, RestoreDetail = restore.Error, RestoreRefusal = restore.Refusal, RestoreCommandError = restore.CommandError } };
    }

    private async Task<StepResult> RunStepAsync(StepConfig step, IReadOnlyDictionary<string, string> revisions, string label)
    {
        var expanded = CommandTemplate.Expand(step.Command, Values(revisions));
        if (expanded.Command is null)
        {
            return new StepResult { Name = label, Command = step.Command, Status = StepStatus.Refused, Refusal = [.. expanded.Problems] };
        }

        if (resumedFrom is { } interrupted
            && _sequence.Journal.Any(e => e.ExitCode == 0 && e.Tag == HostDriver.Tag(interrupted, label, revisions)))
        {
            return new StepResult
            {
                Name = label,
                Command = expanded.Command,
                Status = StepStatus.Ok,
                ExitCode = 0,
                AlreadyDoneBy = interrupted,
            };
        }

        var tag = HostDriver.Tag(_rolloutId, label, revisions);
        var outcome = await _sequence.RunStepAsync(expanded.Command, TimeSpan.FromSeconds(step.TimeoutSeconds), tag, CancellationToken.None);
        return new StepResult
        {
            Name = label,
            Command = expanded.Command,
            Status = outcome.Status switch
            {
                CommandStatus.Ok => StepStatus.Ok,
                CommandStatus.Failed => StepStatus.Failed,
                CommandStatus.TimedOut => StepStatus.TimedOut,
                _ => StepStatus.Error,
            },
            ExitCode = outcome.ExitCode,
            StdoutTail = Tail(outcome.Stdout),
            StderrTail = Tail(outcome.Stderr),
            StdoutDropped = outcome.Stdout.Length <= StoredTailBytes ? outcome.StdoutDropped : 0,
            StderrDropped = outcome.Stderr.Length <= StoredTailBytes ? outcome.StderrDropped : 0,
            Error = outcome.Succeeded || outcome.Error is not null ? null : FailureDetail(outcome.Stderr),
            CommandError = outcome.Succeeded ? null : outcome.Error,
            DurationMs = (long)outcome.Duration.TotalMilliseconds,
        };
    }

    /// <summary>On top of the longest step timeout: the orphan's kill (2 s) and the trip back.</summary>
    private static readonly TimeSpan DriverLockSlack = TimeSpan.FromSeconds(15);

    private TemplateValues Values(IReadOnlyDictionary<string, string> revisions) => new(
        host.Name,
        host.Basedir,
        _role.Repos.ToDictionary(kv => kv.Key, kv => RevisionReader.PathOnHost(host, kv.Value), StringComparer.Ordinal),
        revisions,
        fleet.Repos.ToDictionary(kv => kv.Key, kv => kv.Value.Branch, StringComparer.Ordinal));

    /// <summary>The end of a command's output, after a <c>…</c> when cut; never from inside a surrogate pair (the store cannot keep half of one).</summary>
    internal static string Tail(string text)
    {
        if (text.Length <= StoredTailBytes) return text;
        var start = text.Length - StoredTailBytes;
        if (char.IsLowSurrogate(text[start])) start++;
        return "…" + text[start..];
    }

    /// <summary>
    /// What a failed command's stderr says went wrong: the first line that reads as an error (<c>fatal: …</c>,
    /// <c>error: …</c>, <c>abort: …</c>) and, when different, the last line. git ends with advice ("and the repository
    /// exists.") after the line that names the failure, so the last line alone hides it. Null for empty stderr.
    /// </summary>
    internal static string? FailureDetail(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0) return null;
        var last = lines[^1];
        var first = lines.FirstOrDefault(IsErrorLine);
        return first is null || first == last ? SafeText.Clean(last, 300) : $"{SafeText.Clean(first, 200)} … {SafeText.Clean(last, 200)}";
    }

    private static bool IsErrorLine(string line) =>
        line.StartsWith("fatal:", StringComparison.OrdinalIgnoreCase) || line.StartsWith("error:", StringComparison.OrdinalIgnoreCase)
        || line.StartsWith("abort:", StringComparison.OrdinalIgnoreCase) || line.StartsWith("ERROR", StringComparison.Ordinal)
        || line.Contains(" error:", StringComparison.OrdinalIgnoreCase) || line.Contains("fatal:", StringComparison.OrdinalIgnoreCase);
}
