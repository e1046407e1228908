using System.Text.Json;
using System.Text.Json.Serialization;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Store;

// Setters, not init: read by the JSON source generator, which drops init-only defaults (see Fleet/FleetConfig.cs).

/// <summary>The <c>store</c> section of the config: how much per-host detail the store keeps.</summary>
public sealed record StoreOptions
{
    public const string Section = "store";

    /// <summary>The <c>store</c> section of <paramref name="fleet"/>, or the defaults; throws JsonException when it does not bind.</summary>
    public static StoreOptions From(FleetConfig fleet) => FleetConfigSections.Read(fleet, Section, StoreJsonContext.Default.StoreOptions) ?? new();

    /// <summary>Rollouts whose per-host results (steps, output tails) are kept; older rollouts keep their summary only. Default 200.</summary>
    public int KeepRolloutDetail { get; set; } = 200;

    /// <summary>Every problem as <c>store.key: message</c>.</summary>
    public IEnumerable<string> Validate()
    {
        if (KeepRolloutDetail is < 1 or > 100_000) yield return "store.keepRolloutDetail: must be between 1 and 100000";
    }
}

/// <summary>Compile-time JSON metadata for the <c>store</c> section (same options as the fleet config's).</summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    PropertyNameCaseInsensitive = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(StoreOptions))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
