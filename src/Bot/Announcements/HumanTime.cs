using System.Globalization;
using System.Text;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>How durations and instants are written in messages people read (chat, status, refusals).</summary>
internal static class HumanTime
{
    /// <summary>
    /// The one duration format, as typed in chat: <c>1d2h</c>, <c>1h30m</c>, <c>45m</c>, <c>1m30s</c>; under a minute
    /// <c>12s</c> or, with a fraction, <c>12.3s</c> (step and rollout times); zero is <c>0m</c>, negative values get a
    /// leading <c>-</c>. From a minute on, fractions of a second are dropped.
    /// </summary>
    public static string Duration(TimeSpan value)
    {
        if (value < TimeSpan.Zero) return "-" + Duration(value == TimeSpan.MinValue ? TimeSpan.MaxValue : value.Negate());
        if (value > TimeSpan.Zero && value < TimeSpan.FromMinutes(1) && value.Ticks % TimeSpan.TicksPerSecond != 0)
            return value.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
        var sb = new StringBuilder();
        if (value.Days > 0) sb.Append(CultureInfo.InvariantCulture, $"{value.Days}d");
        if (value.Hours > 0) sb.Append(CultureInfo.InvariantCulture, $"{value.Hours}h");
        if (value.Minutes > 0) sb.Append(CultureInfo.InvariantCulture, $"{value.Minutes}m");
        if (value.Seconds > 0) sb.Append(CultureInfo.InvariantCulture, $"{value.Seconds}s");
        return sb.Length == 0 ? "0m" : sb.ToString();
    }

    /// <summary>Whole minutes, rounded up, as <c>3 min</c> (at least <c>1 min</c>): for "expires in …", and "quiet in …" from a minute on.</summary>
    public static string MinutesUntil(TimeSpan value) =>
        $"{Math.Max(1, (long)Math.Ceiling(value.TotalMinutes)).ToString(CultureInfo.InvariantCulture)} min";

    /// <summary>
    /// <see cref="MinutesUntil"/>, but under a minute in whole seconds, rounded up (<c>12s</c>, at least <c>1s</c>): a
    /// quiet window may be a fraction of a minute, and "1 min" for the last 12 seconds would be wrong by five times.
    /// </summary>
    public static string Until(TimeSpan value) =>
        value <= TimeSpan.FromSeconds(59)
            ? $"{Math.Max(1, (long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture)}s"
            : MinutesUntil(value);

    /// <summary>Whole minutes, rounded down, as <c>2 min</c>; under a minute is <c>under a minute</c>: for "… ago".</summary>
    public static string MinutesSince(TimeSpan value) =>
        value < TimeSpan.FromMinutes(1) ? "under a minute" : $"{((long)value.TotalMinutes).ToString(CultureInfo.InvariantCulture)} min";

    /// <summary>
    /// Wall-clock time of <paramref name="at"/> in <paramref name="zone"/>, always with the zone: <c>14:30 UTC</c>
    /// when on the same day as <paramref name="now"/> there, else <c>Nov 26 14:30 Europe/Berlin</c>. A time without
    /// its zone is read in the reader's own zone, which is rarely the bot's.
    /// </summary>
    public static string Clock(DateTimeOffset at, DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var today = TimeZoneInfo.ConvertTime(now, zone);
        var format = local.Date == today.Date ? "HH:mm" : "MMM d HH:mm";
        return local.ToString(format, CultureInfo.InvariantCulture) + " " + ZoneName(zone);
    }

    /// <summary><c>UTC</c>, or the zone's IANA name (<c>Europe/Berlin</c>).</summary>
    public static string ZoneName(TimeZoneInfo zone) => zone == TimeZoneInfo.Utc || zone.Id is "UTC" or "Etc/UTC" ? "UTC" : zone.Id;
}
