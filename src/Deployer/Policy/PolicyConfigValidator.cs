using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>Checks the <c>lock</c> and <c>policy</c> sections; every problem as <c>path.to.key: message</c>.</summary>
public static class PolicyConfigValidator
{
    public static IReadOnlyList<string> Validate(LockOptions locks, PolicyOptions policy)
    {
        var p = locks.Validate().ToList();
        ConfigRange.Check(p, "policy.quietMinutes", policy.QuietMinutes, 0, 1440, "minutes");
        if (!IsTimeZone(policy.TimeZone)) p.Add($"policy.timeZone: unknown time zone '{policy.TimeZone}' (use an IANA name such as Europe/Berlin, or UTC)");
        ConfigRange.Check(p, "policy.lagWarningMinutes", policy.LagWarningMinutes, 1, 10080, "minutes");
        if (policy.LagCriticalMinutes < policy.LagWarningMinutes)
            p.Add($"policy.lagCriticalMinutes: {policy.LagCriticalMinutes} is less than policy.lagWarningMinutes ({policy.LagWarningMinutes})");
        else ConfigRange.Check(p, "policy.lagCriticalMinutes", policy.LagCriticalMinutes, 1, 10080, "minutes");
        ConfigRange.Check(p, "policy.tickSeconds", policy.TickSeconds, 1, 300, "seconds");
        ConfigRange.Check(p, "policy.ciTimeoutSeconds", policy.CiTimeoutSeconds, 1, 300, "seconds");

        for (var i = 0; i < policy.Freezes.Count; i++)
        {
            var f = policy.Freezes[i];
            var at = $"policy.freezes[{i}]";
            if (FreezeWindow.ParseCron(f.Cron) is null)
                p.Add($"{at}.cron: invalid cron expression '{f.Cron}' (five fields: minute hour day-of-month month day-of-week, e.g. '0 9 * * 1')");
            ConfigRange.Check(p, $"{at}.durationMinutes", f.DurationMinutes, 1, 44640, "minutes, 31 days");
            if (string.IsNullOrWhiteSpace(f.Reason)) p.Add($"{at}.reason: required (it is shown while the freeze is open)");
            if (f.TimeZone is not null && !IsTimeZone(f.TimeZone)) p.Add($"{at}.timeZone: unknown time zone '{f.TimeZone}'");
        }

        return p;
    }

    /// <summary>True for a zone this machine knows (an IANA name such as <c>Europe/Berlin</c>, or <c>UTC</c>).</summary>
    public static bool IsTimeZone(string id)
    {
        if (string.IsNullOrWhiteSpace(id)) return false;
        try
        {
            _ = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
