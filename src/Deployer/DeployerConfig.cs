using System.Text.Json;
using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer;

/// <summary>
/// What the Deployer's features check in a loaded config beyond the fleet itself: their own sections (<c>lock</c>,
/// <c>policy</c>) and what only they know (the key exchange algorithms the ssh transport implements).
/// </summary>
public static class DeployerConfig
{
    public static readonly string[] SectionNames = [LockOptions.Section, PolicyOptions.Section, Store.StoreOptions.Section, Store.HaOptions.Section, BugsOptions.Section];

    /// <summary>Those sections' JSON metadata, for checking their shape with the rest of the file (<see cref="ConfigSections"/>).</summary>
    public static readonly IReadOnlyDictionary<string, System.Text.Json.Serialization.Metadata.JsonTypeInfo?> SectionTypes =
        new Dictionary<string, System.Text.Json.Serialization.Metadata.JsonTypeInfo?>
        {
            [LockOptions.Section] = LocksJsonContext.Default.LockOptions,
            [PolicyOptions.Section] = PolicyJsonContext.Default.PolicyOptions,
            [Store.StoreOptions.Section] = Store.StoreJsonContext.Default.StoreOptions,
            [Store.HaOptions.Section] = Store.HaJsonContext.Default.HaOptions,
            [BugsOptions.Section] = BugsJsonContext.Default.DictionaryStringBugTrackerOptions,
        };

    /// <summary>Every problem in those sections as <c>path.to.key: message</c>.</summary>
    public static IReadOnlyList<string> Validate(FleetConfig fleet)
    {
        var p = new List<string>();
        var locks = Bind(() => LockOptions.From(fleet), p);
        var policy = Bind(() => PolicyOptions.From(fleet), p);
        // A section that does not bind is checked with its defaults, so the other one's problems are still reported.
        p.AddRange(PolicyConfigValidator.Validate(locks ?? new(), policy ?? new()));
        p.AddRange(Transport.SshAlgorithms.Problems(fleet.Ssh));
        var store = Bind(() => Store.StoreOptions.From(fleet), p);
        p.AddRange(store?.Validate() ?? []);
        var haPresent = fleet.Extra?.Keys.Any(k => string.Equals(k, Store.HaOptions.Section, StringComparison.OrdinalIgnoreCase)) == true;
        p.AddRange(Bind(() => Store.HaOptions.From(fleet), p)?.Validate(store ?? new(), haPresent) ?? []);
        if (Bind(() => BugsOptions.From(fleet), p) is { } bugs) p.AddRange(BugsConfigValidator.Validate(fleet, bugs));
        return p;
    }

    private static T? Bind<T>(Func<T> read, List<string> problems)
        where T : class
    {
        try
        {
            return read();
        }
        catch (JsonException ex)
        {
            problems.Add(FleetConfigSections.Describe(ex));
            return null;
        }
    }
}
