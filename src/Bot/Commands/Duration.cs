using ChatOpsReconfig.Bot.Announcements;
using System.Globalization;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary>
/// Durations as typed in chat (<c>!lock 45m</c>, <c>!extend 1h30m</c>, <c>!freeze 2d</c>): one or more whole
/// numbers each followed by a unit, largest unit first, each unit at most once, no spaces. Units are
/// <c>d</c> (days), <c>h</c> (hours), <c>m</c> (minutes) and <c>s</c> (seconds), in either case: <c>30m</c>,
/// <c>2h</c>, <c>1h30m</c>, <c>90s</c>, <c>1d</c>, <c>1D12H</c>. A bare number is refused (minutes or hours?), as are
/// zero, negative values, fractions, spelled-out units and anything longer than <see cref="Maximum"/> (31 days);
/// limits of a command (e.g. the longest hold) are checked by the service that takes the duration.
/// </summary>
public static class Duration
{
    /// <summary>Longest duration the parser accepts.</summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(31);

    private const string Usage = "write a number and a unit (d, h, m, s), like 45m or 1h30m";
    private const string Units = "dhms";

    public static DurationResult Parse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return Error($"missing duration; {Usage}");
        var shown = SafeText.Token(text);
        if (text.Any(char.IsWhiteSpace)) return Error($"'{shown}' is not a duration: no spaces allowed; {Usage}");
        if (text[0] == '-') return Error($"'{shown}' is negative; a duration must be greater than zero");

        var total = TimeSpan.Zero;
        var lastUnit = -1;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            var digits = text[start..i];
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i])) i++;
            var unit = text[unitStart..i].ToLowerInvariant();

            if (digits.Length == 0 && unit.Length == 0) return Error($"'{shown}' is not a duration: unexpected '{SafeText.Token(text[i].ToString())}'; {Usage}");
            if (digits.Length == 0) return Error($"'{shown}' is not a duration: missing number before '{SafeText.Token(text[unitStart..i])}'; {Usage}");
            if (unit.Length == 0)
            {
                return i == text.Length
                    ? Error($"'{shown}' is not a duration: missing unit after {SafeText.Token(digits)}; {Usage}")
                    : Error($"'{shown}' is not a duration: unexpected '{SafeText.Token(text[i].ToString())}' after {SafeText.Token(digits)}; {Usage}");
            }

            var rank = unit.Length == 1 ? Units.IndexOf(unit[0], StringComparison.Ordinal) : -1;
            if (rank < 0) return Error($"'{shown}' is not a duration: unknown unit '{SafeText.Token(text[unitStart..i])}'; {Usage}");
            if (rank == lastUnit) return Error($"'{shown}' is not a duration: unit '{unit}' given twice");
            if (rank < lastUnit) return Error($"'{shown}' is not a duration: units must go from largest to smallest (d, h, m, s)");
            lastUnit = rank;

            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > Limit(unit[0]))
                return Error($"'{shown}' is too long: the maximum is {Format(Maximum)}");
            total += unit[0] switch
            {
                'd' => TimeSpan.FromDays(n),
                'h' => TimeSpan.FromHours(n),
                'm' => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromSeconds(n),
            };
        }

        if (total == TimeSpan.Zero) return Error($"'{shown}' is zero; a duration must be greater than zero");
        if (total > Maximum) return Error($"'{shown}' is too long: the maximum is {Format(Maximum)}");
        return new DurationResult(total, null);
    }

    /// <summary>The compact form people type: <c>1h30m</c>, <c>45m</c>, <c>1d2h</c>, <c>1m30s</c>.</summary>
    public static string Format(TimeSpan value) => HumanTime.Duration(value);

    /// <summary>Largest count of a unit that can still be within <see cref="Maximum"/> (guards the arithmetic).</summary>
    private static long Limit(char unit) => unit switch
    {
        'd' => (long)Maximum.TotalDays,
        'h' => (long)Maximum.TotalHours,
        'm' => (long)Maximum.TotalMinutes,
        _ => (long)Maximum.TotalSeconds,
    };

    private static DurationResult Error(string message) => new(TimeSpan.Zero, message);
}

/// <summary>A parsed duration, or why the text is not one.</summary>
public sealed record DurationResult(TimeSpan Value, string? Error)
{
    public bool Ok => Error is null;
}
