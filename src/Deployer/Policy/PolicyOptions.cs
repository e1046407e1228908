using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Policy;

// Setters, not init: read by the JSON source generator, which drops init-only defaults (see Fleet/FleetConfig.cs).

/// <summary>The <c>policy</c> section of the config: when automatic rollouts may start. Checked by <see cref="PolicyConfigValidator"/>.</summary>
public sealed record PolicyOptions
{
    /// <summary>The root key of this section in the config file.</summary>
    public const string Section = "policy";

    /// <summary>The <c>policy</c> section of <paramref name="fleet"/>, or the defaults; throws JsonException when it does not bind.</summary>
    public static PolicyOptions From(FleetConfig fleet) => FleetConfigSections.Read(fleet, Section, PolicyJsonContext.Default.PolicyOptions) ?? new();

    /// <summary>
    /// Minutes every repo must go without a push before an automatic rollout; <c>repos.NAME.quietMinutes</c> overrides it
    /// per repo. Default 5. Fractions are allowed (0.5 is 30 s): a test or a small fleet may want seconds.
    /// </summary>
    public double QuietMinutes { get; set; } = 5;

    /// <summary>Recurring freeze windows during which nothing deploys unless forced.</summary>
    public List<FreezeOptions> Freezes { get; set; } = [];

    /// <summary>IANA (or Windows) time zone for times shown to people and for freezes that name none. Default <c>UTC</c>.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>A host lagging production this many minutes after a merge is a warning (Nagios, metrics). Default 15.</summary>
    public int LagWarningMinutes { get; set; } = 15;

    /// <summary>… and this many minutes is critical. Default 30.</summary>
    public int LagCriticalMinutes { get; set; } = 30;

    /// <summary>At start-up, roll out again the revisions of a rollout a crash interrupted. Default true.</summary>
    public bool AutoResumeInterrupted { get; set; } = true;

    /// <summary>How long a CI gate may take to answer before its state counts as unknown. Default 10.</summary>
    public int CiTimeoutSeconds { get; set; } = 10;

    /// <summary>Seconds between two evaluations of the policy (and of lock expiries and lag alarms). Default 10.</summary>
    public int TickSeconds { get; set; } = 10;

    /// <summary>The zone of <see cref="TimeZone"/>; only call after validation.</summary>
    public TimeZoneInfo FindTimeZone() => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

/// <summary>
/// A recurring freeze: from each occurrence of <see cref="Cron"/> (five fields, minute first, as in crontab) in
/// <see cref="TimeZone"/>, nothing deploys for <see cref="DurationMinutes"/>.
/// </summary>
public sealed record FreezeOptions
{
    /// <summary>E.g. <c>0 9 * * 1</c> (Mondays 09:00); macros such as <c>@daily</c> work too.</summary>
    public string Cron { get; set; } = "";

    public int DurationMinutes { get; set; } = 60;

    /// <summary>Shown to people while the window is open, e.g. <c>release week</c>.</summary>
    public string Reason { get; set; } = "";

    /// <summary>Zone the cron expression is read in; default <see cref="PolicyOptions.TimeZone"/>.</summary>
    public string? TimeZone { get; set; }
}
