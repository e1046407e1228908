using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>Compile-time JSON metadata for the <c>policy</c> section (same options as the fleet config's).</summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    PropertyNameCaseInsensitive = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(PolicyOptions))]
internal sealed partial class PolicyJsonContext : JsonSerializerContext;
