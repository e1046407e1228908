using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>
/// One host's rollout: connect, read revisions, run the role's steps in order, read revisions again.
/// A failed gate step skips the later steps and re-runs the update step with the previous revisions.
/// </summary>
internal sealed class HostRun(
    FleetConfig fleet,
    HostConfig host,
    IHostSession session,
    RevisionSet target,
    Func<HostResult, StepResult?, Task> save)
{
    private const int StoredTailBytes = 4096;

    private readonly RoleConfig _role = fleet.Roles[host.Role];

    public async Task<HostResult> RunAsync(HostResult result, CancellationToken stopToken)
    {
        var read = await RevisionReader.ReadWithProblemsAsync(fleet, host, session, CancellationToken.None);
        var before = read.Revisions;
        result = result with { Before = before, RevisionProblems = [.. read.Problems.Select(p => "before: " + p)] };
        await save(result, null);

        foreach (var step in _role.Steps)
        {
            if (stopToken.IsCancellationRequested)
            {
                result = result with { Outcome = HostOutcome.Cancelled, FailedStep = step.Name, Error = $"cancelled before step {step.Name}" };
                break;
            }

            // Running steps are not cancelled: they finish or hit their own timeout.
            var stepResult = await RunStepAsync(step, target.Revisions, step.Name);
            result = result with { Steps = [.. result.Steps, stepResult] };
            await save(result, stepResult);
            if (stepResult.Ok) continue;

            result = result with { Outcome = HostOutcome.Failed, FailedStep = step.Name, Error = $"{step.Name}: {stepResult.Error ?? StepResult.Label(stepResult.Status)}" };
            if (step.Gate) result = await RestoreAsync(result, before);
            break;
        }

        var after = await RevisionReader.ReadWithProblemsAsync(fleet, host, session, CancellationToken.None);
        if (result.Outcome == HostOutcome.Running) result = result with { Outcome = HostOutcome.Ok };
        return result with { After = after.Revisions, RevisionProblems = [.. result.RevisionProblems, .. after.Problems.Select(p => "after: " + p)] };
    }

    private async Task<HostResult> RestoreAsync(HostResult result, Dictionary<string, string> before)
    {
        var update = _role.Steps.FirstOrDefault(s => s.Name == _role.UpdateStep);
        var known = before.Where(kv => CommandTemplate.IsValidRevision(kv.Value.TrimEnd('+')))
            .ToDictionary(kv => kv.Key, kv => kv.Value.TrimEnd('+'), StringComparer.Ordinal);
        if (update is null || known.Count != _role.Repos.Count)
        {
            return result with { Error = result.Error + "; cannot restore: previous revisions unknown" };
        }

        var restore = await RunStepAsync(update, known, "restore");
        result = result with { Steps = [.. result.Steps, restore] };
        await save(result, restore);
        return restore.Ok
            ? result with { Restored = true, Error = result.Error + "; previous revisions restored" }
            : result with { Error = result.Error + $"; restore failed: {restore.Error ?? StepResult.Label(restore.Status)}" };
    }

    private async Task<StepResult> RunStepAsync(StepConfig step, IReadOnlyDictionary<string, string> revisions, string label)
    {
        var expanded = CommandTemplate.Expand(step.Command, Values(revisions));
        if (expanded.Command is null)
        {
            return new StepResult { Name = label, Command = step.Command, Status = StepStatus.Refused, Error = $"refused to run: {expanded.Error}" };
        }

        var outcome = await session.RunAsync(expanded.Command, TimeSpan.FromSeconds(step.TimeoutSeconds), CancellationToken.None);
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
            Error = outcome.Succeeded ? null : outcome.Error ?? LastLine(outcome.Stderr) ?? outcome.Describe(),
            DurationMs = (long)outcome.Duration.TotalMilliseconds,
        };
    }

    private TemplateValues Values(IReadOnlyDictionary<string, string> revisions) => new(
        host.Name,
        host.Basedir,
        _role.Repos.ToDictionary(kv => kv.Key, kv => RevisionReader.PathOnHost(host, kv.Value), StringComparer.Ordinal),
        revisions,
        fleet.Repos.ToDictionary(kv => kv.Key, kv => kv.Value.Branch, StringComparer.Ordinal));

    private static string Tail(string text) => text.Length <= StoredTailBytes ? text : "…" + text[^StoredTailBytes..];

    private static string? LastLine(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (line is null) return null;
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
