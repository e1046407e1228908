using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>
/// Record properties that keep what older builds stored under another name: documents written before the Deployer
/// stopped storing words keep them in fields such as <c>Reason</c>, read back into <c>LegacyReason</c>. Both stores
/// (LiteDB and PostgreSQL) spell these fields the same way.
/// </summary>
internal static class LegacyFields
{
    private static readonly Dictionary<(Type Type, string Property), string> Renamed = new()
    {
        [(typeof(RolloutRecord), nameof(RolloutRecord.LegacyReason))] = "Reason",
        [(typeof(RolloutRecord), nameof(RolloutRecord.LegacySummary))] = "Summary",
        [(typeof(HostResult), nameof(HostResult.LegacyError))] = "Error",
        [(typeof(HostState), nameof(HostState.LegacyLastError))] = "LastError",
        [(typeof(Repos.RepoState), nameof(Repos.RepoState.LegacyLastError))] = "LastError",
    };

    /// <summary>The stored field name of <paramref name="member"/> of <paramref name="type"/>, or null when it is stored under its own name.</summary>
    public static string? FieldOf(Type type, MemberInfo member) => Renamed.GetValueOrDefault((type, member.Name));

    /// <summary>Renames the JSON properties of the PostgreSQL documents.</summary>
    public static void Apply(JsonTypeInfo info)
    {
        foreach (var property in info.Properties)
        {
            if (property.AttributeProvider is MemberInfo member && FieldOf(info.Type, member) is { } field) property.Name = field;
        }
    }
}
