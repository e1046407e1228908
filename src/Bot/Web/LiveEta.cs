using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>A hold as the estimate sees it: who, and until when (null when nobody knows).</summary>
internal sealed record EtaHold(string Holder, DateTimeOffset? ExpiresAt);

/// <summary>Everything "when will it be live?" depends on, gathered at one instant.</summary>
internal sealed record EtaInput
{
    public DateTimeOffset Now { get; init; }

    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>When the last repo pushed becomes quiet; null or past when every repo is quiet.</summary>
    public DateTimeOffset? QuietUntil { get; init; }

    /// <summary>Active holds.</summary>
    public IReadOnlyList<EtaHold> Holds { get; init; } = [];

    /// <summary>The end of the latest open freeze, and its reason.</summary>
    public DateTimeOffset? FreezeUntil { get; init; }

    public string? FreezeReason { get; init; }

    /// <summary>How long a rollout of the hosts carrying the repo takes, from the last ones; null when none ran yet.</summary>
    public TimeSpan? RolloutDuration { get; init; }

    /// <summary>When a rollout carrying the revision is running, its start.</summary>
    public DateTimeOffset? RolloutStartedAt { get; init; }
}

/// <summary>The estimate: when (null when it cannot be known) and the words for people.</summary>
internal sealed record LiveEstimate(DateTimeOffset? LiveAt, string Text);

/// <summary>
/// "When will it be live?": the latest of the quiet window's end, the last hold's expiry and the open freeze's end
/// (the one named in the text), plus the expected rollout duration. Pure: no clock, no I/O.
/// Leaves out what it cannot know: CI still running, a scheduled freeze that opens before the rollout starts.
/// </summary>
internal static class LiveEta
{
    public static LiveEstimate Estimate(EtaInput input)
    {
        var now = input.Now;
        var rollout = input.RolloutDuration is { } d ? $"rollout ~{Minutes(d)}" : "rollout time unknown";
        var duration = input.RolloutDuration ?? TimeSpan.Zero;

        if (input.RolloutStartedAt is { } started)
        {
            var end = Later(started + duration, now);
            return new LiveEstimate(end, $"{In(end - now)} (rolling out since {Clock(input, started)}, {rollout})");
        }

        if (input.Holds.FirstOrDefault(h => h.ExpiresAt is null) is { } open)
            return new LiveEstimate(null, $"not before the hold ends: held by {open.Holder}, no expiry known");

        var start = now;
        var why = "deploying at the next policy tick";
        if (input.QuietUntil is { } quiet && quiet > start)
        {
            start = quiet;
            why = $"quiet until {Clock(input, quiet)}";
        }

        if (input.Holds.MaxBy(h => h.ExpiresAt) is { ExpiresAt: { } expires } hold && expires > start)
        {
            start = expires;
            why = $"held by {hold.Holder} until {Clock(input, expires)}";
        }

        if (input.FreezeUntil is { } frozen && frozen > start)
        {
            start = frozen;
            why = $"freeze{(input.FreezeReason is { Length: > 0 } r ? $" \"{r}\"" : "")} until {Clock(input, frozen)}";
        }

        var liveAt = start + duration;
        return new LiveEstimate(liveAt, $"{In(liveAt - now)} ({why}, {rollout})");
    }

    /// <summary>
    /// The median duration of the last (up to five) finished rollouts that touched any of <paramref name="hosts"/>;
    /// <paramref name="recent"/> newest first. Null when none did.
    /// </summary>
    public static TimeSpan? ExpectedDuration(IEnumerable<RolloutRecord> recent, IReadOnlySet<string> hosts)
    {
        var durations = recent
            .Where(r => r.FinishedAt is not null && r.State is RolloutState.Succeeded or RolloutState.Failed && r.Hosts.Any(hosts.Contains))
            .Take(5)
            .Select(r => r.FinishedAt!.Value - r.StartedAt) // filtered on the line above
            .Order()
            .ToList();
        return durations.Count == 0 ? null : durations[durations.Count / 2];
    }

    private static string In(TimeSpan wait) =>
        wait <= TimeSpan.FromSeconds(30) ? "live in under a minute" : $"live in ~{Minutes(wait)}";

    private static string Minutes(TimeSpan t) =>
        t < TimeSpan.FromMinutes(90) ? HumanTime.MinutesUntil(t) : HumanTime.Duration(TimeSpan.FromMinutes(Math.Round(t.TotalMinutes)));

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Clock(EtaInput input, DateTimeOffset t) => HumanTime.Clock(t, input.Now, input.Zone);
}
