using ChatOpsReconfig.Deployer.Locks;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>Checks the <c>lock</c> and <c>policy</c> sections; every problem as <c>path.to.key: message</c>.</summary>
public static class PolicyConfigValidator
{
    public static IReadOnlyList<string> Validate(LockOptions locks, PolicyOptions policy)
    {
        var p = locks.Validate().ToList();
        if (policy.QuietMinutes is < 0 or > 1440) p.Add("policy.quietMinutes: must be between 0 and 1440");
        if (!IsTimeZone(policy.TimeZone)) p.Add($"policy.timeZone: unknown time zone '{policy.TimeZone}' (use an IANA name such as Europe/Berlin, or UTC)");
        if (policy.LagWarningMinutes is < 1 or > 10080) p.Add("policy.lagWarningMinutes: must be between 1 and 10080");
        if (policy.LagCriticalMinutes < policy.LagWarningMinutes || policy.LagCriticalMinutes > 10080)
            p.Add($"policy.lagCriticalMinutes: must be between policy.lagWarningMinutes ({policy.LagWarningMinutes}) and 10080");
        if (policy.TickSeconds is < 1 or > 300) p.Add("policy.tickSeconds: must be between 1 and 300");
        if (policy.CiTimeoutSeconds is < 1 or > 300) p.Add("policy.ciTimeoutSeconds: must be between 1 and 300");

        for (var i = 0; i < policy.Freezes.Count; i++)
        {
            var f = policy.Freezes[i];
            var at = $"policy.freezes[{i}]";
            if (FreezeWindow.ParseCron(f.Cron) is null)
                p.Add($"{at}.cron: invalid cron expression '{f.Cron}' (five fields: minute hour day-of-month month day-of-week, e.g. '0 9 * * 1')");
            if (f.DurationMinutes is < 1 or > 44640) p.Add($"{at}.durationMinutes: must be between 1 and 44640 (31 days)");
            if (string.IsNullOrWhiteSpace(f.Reason)) p.Add($"{at}.reason: required (it is shown while the freeze is open)");
            if (f.TimeZone is not null && !IsTimeZone(f.TimeZone)) p.Add($"{at}.timeZone: unknown time zone '{f.TimeZone}'");
        }

        return p;
    }

    private static bool IsTimeZone(string id)
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
