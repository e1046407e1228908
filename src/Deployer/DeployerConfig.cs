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
    public static readonly string[] SectionNames = [LockOptions.Section, PolicyOptions.Section, Store.StoreOptions.Section, BugsOptions.Section];

    /// <summary>Every problem in those sections as <c>path.to.key: message</c>.</summary>
    public static IReadOnlyList<string> Validate(FleetConfig fleet)
    {
        var p = new List<string>();
        var locks = Bind(() => LockOptions.From(fleet), p);
        var policy = Bind(() => PolicyOptions.From(fleet), p);
        if (locks is not null && policy is not null) p.AddRange(PolicyConfigValidator.Validate(locks, policy));
        p.AddRange(Transport.SshAlgorithms.Problems(fleet.Ssh));
        p.AddRange(Bind(() => Store.StoreOptions.From(fleet), p)?.Validate() ?? []);
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
