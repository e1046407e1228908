using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Locks;

// Setters, not init: read by the JSON source generator, which drops init-only defaults (see Fleet/FleetConfig.cs).

/// <summary>
/// The <c>lock</c> section of the config: how long holds last and when their holders are warned. Checked at
/// start-up by <see cref="Validate"/> (through <c>PolicyConfigValidator</c>).
/// </summary>
public sealed record LockOptions
{
    /// <summary>The root key of this section in the config file.</summary>
    public const string Section = "lock";

    /// <summary>The <c>lock</c> section of <paramref name="fleet"/>, or the defaults; throws JsonException when it does not bind.</summary>
    public static LockOptions From(FleetConfig fleet) => FleetConfigSections.Read(fleet, Section, LocksJsonContext.Default.LockOptions) ?? new();

    /// <summary>Shortest accepted hold or extension.</summary>
    public static readonly TimeSpan MinimumDuration = TimeSpan.FromMinutes(1);

    /// <summary>Hold length when <c>!lock</c> and <c>!extend</c> name none. Default 120 (2 h).</summary>
    public int DefaultMinutes { get; set; } = 120;

    /// <summary>Longest a hold may last from now, also after <c>!extend</c>. Default 720 (12 h).</summary>
    public int MaximumMinutes { get; set; } = 720;

    /// <summary>How long before expiry the holder is warned; 0 turns the warning off. Default 10.</summary>
    public int WarningMinutes { get; set; } = 10;

    /// <summary>Every problem as <c>lock.key: message</c>.</summary>
    public IEnumerable<string> Validate()
    {
        var p = new List<string>();
        ConfigRange.Check(p, "lock.maximumMinutes", MaximumMinutes, 1, 10080, "minutes, 7 days");
        ConfigRange.Check(p, "lock.defaultMinutes", DefaultMinutes, 1, MaximumMinutes, "minutes, at most lock.maximumMinutes");
        ConfigRange.Check(p, "lock.warningMinutes", WarningMinutes, 0, MaximumMinutes - 1, "minutes, less than lock.maximumMinutes");
        return p;
    }
}
