using Cronos;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// A recurring freeze: open from each occurrence of <see cref="Schedule"/> (read in <see cref="TimeZone"/>) for
/// <see cref="Duration"/>. At an instant it is open when the latest occurrence at or before it is less than
/// <see cref="Duration"/> ago, i.e. the instant lies in <c>[occurrence, occurrence + duration)</c>.
/// </summary>
public sealed record FreezeWindow(CronExpression Schedule, TimeSpan Duration, string Reason, TimeZoneInfo TimeZone)
{
    /// <summary>The windows of <c>policy.freezes</c>; the options must have passed <see cref="PolicyConfigValidator"/>.</summary>
    public static IReadOnlyList<FreezeWindow> FromOptions(PolicyOptions options)
    {
        var defaultZone = options.FindTimeZone();
        return options.Freezes.Select(f => new FreezeWindow(
                ParseCron(f.Cron) ?? throw new ArgumentException($"invalid cron expression '{f.Cron}'", nameof(options)),
                TimeSpan.FromMinutes(f.DurationMinutes),
                f.Reason,
                f.TimeZone is null ? defaultZone : TimeZoneInfo.FindSystemTimeZoneById(f.TimeZone)))
            .ToList();
    }

    /// <summary>A five-field cron expression (or a macro such as <c>@daily</c>), or null when it does not parse.</summary>
    public static CronExpression? ParseCron(string text) =>
        CronExpression.TryParse(text.Trim(), CronFormat.Standard, out var cron) ? cron : null;

    /// <summary>The open freeze at <paramref name="now"/>, until the end of the latest occurrence; null when closed.</summary>
    public OpenFreeze? OpenAt(DateTimeOffset now)
    {
        var latest = Schedule.GetPreviousOccurrence(now, TimeZone, inclusive: true);
        if (latest is not { } start || now >= start + Duration) return null;
        return new OpenFreeze(Reason, start + Duration);
    }
}
