using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatOpsReconfig.Deployer.Fleet;

/// <summary>
/// Compile-time JSON metadata for the fleet config types. Building the same metadata by reflection cost
/// <c>chatops deploy</c> ~130 ms of start-up on every run. The options here mirror
/// <see cref="FleetConfigLoader.JsonOptions"/>, which also adds the enum converter (its constructor arguments
/// cannot be given in an attribute).
/// </summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    PropertyNameCaseInsensitive = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    WriteIndented = true)]
[JsonSerializable(typeof(FleetConfig))]
internal sealed partial class FleetConfigJsonContext : JsonSerializerContext;
