using System.Text.Json;
using System.Text.Json.Serialization;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Store;

// Setters, not init: read by the JSON source generator, which drops init-only defaults (see Fleet/FleetConfig.cs).

/// <summary>
/// The <c>ha</c> section: this bot's name among bots sharing one PostgreSQL store, and how long the leader's lease
/// lasts without a renewal (the longest a dead leader goes unnoticed).
/// </summary>
public sealed record HaOptions
{
    public const string Section = "ha";

    public static HaOptions From(FleetConfig fleet) => FleetConfigSections.Read(fleet, Section, HaJsonContext.Default.HaOptions) ?? new();

    /// <summary>This bot's name in chat, logs and <c>/api/status</c>; default the machine's name.</summary>
    public string? Instance { get; set; }

    /// <summary>The lease length; renewed every third of it. Default 10.</summary>
    public int LeaseSeconds { get; set; } = 10;

    [JsonIgnore]
    public string InstanceName => string.IsNullOrWhiteSpace(Instance) ? Environment.MachineName : Instance;

    public IEnumerable<string> Validate(StoreOptions store, bool present)
    {
        if (LeaseSeconds is < 3 or > 300) yield return "ha.leaseSeconds: must be between 3 and 300";
        if (Instance is { } name && (name.Length is 0 or > 64 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
            yield return "ha.instance: letters, digits, '-', '_' and '.' only, 1 to 64 characters";
        if (present && !store.IsPostgres) yield return "ha: two bots share a store only with store.kind \"postgres\"";
    }
}

[JsonSourceGenerationOptions(
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    PropertyNameCaseInsensitive = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(HaOptions))]
internal sealed partial class HaJsonContext : JsonSerializerContext;
