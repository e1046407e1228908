using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>One rollout with its per-host results, as <c>/api/rollouts/{id}</c> and the results page show it.</summary>
internal sealed record RolloutDetails(RolloutView Rollout, IReadOnlyList<HostResultView> Results)
{
    /// <summary>Host output shown per step and stream: the end of the store's tail.</summary>
    public const int TailChars = 2000;

    public static async Task<RolloutDetails?> LoadAsync(IRolloutStore store, int id, CancellationToken cancellationToken)
    {
        var rollout = await store.GetAsync(id, cancellationToken);
        if (rollout is null) return null;
        var order = rollout.Hosts.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i, StringComparer.Ordinal);
        var results = (await store.GetHostsAsync(id, cancellationToken))
            .OrderBy(r => r.Outcome is HostOutcome.Ok ? 1 : 0)
            .ThenBy(r => order.GetValueOrDefault(r.Host, int.MaxValue))
            .Select(r => new HostResultView(
                r.Host, r.Role, r.Outcome.ToString().ToLowerInvariant(), r.FailedStep, HostText.Failure(r) is { Length: > 0 } failure ? failure : null, r.Restored, r.Before, r.After,
                r.Steps.Select(s => new StepView(s.Name, HostText.Step(s.Status), s.ExitCode, s.DurationMs, Output(HostText.Stdout(s)), Output(HostText.Stderr(s)), HostText.StepDetail(s))).ToList(),
                r.StartedAt, r.FinishedAt))
            .ToList();
        return new RolloutDetails(
            new RolloutView(rollout.Id, rollout.State.ToString().ToLowerInvariant(), rollout.StartedAt, rollout.FinishedAt, rollout.StartedBy, RolloutText.Reason(rollout), rollout.Revisions, rollout.Hosts.Count, RolloutText.SummaryOrNull(rollout)),
            results);
    }

    /// <summary>The last <see cref="TailChars"/> characters of a step's output, through the one sanitizer (lines kept).</summary>
    public static string Output(string text) => SafeText.Block(text, TailChars);
}

internal sealed record HostResultView(
    string Host,
    string Role,
    string Outcome,
    string? FailedStep,
    string? Error,
    bool Restored,
    IReadOnlyDictionary<string, string> Before,
    IReadOnlyDictionary<string, string> After,
    IReadOnlyList<StepView> Steps,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

internal sealed record StepView(string Name, string Status, int? ExitCode, long DurationMs, string Stdout, string Stderr, string? Error);
