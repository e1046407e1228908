using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatOpsReconfig.Deployer.Locks;

/// <summary>Compile-time JSON metadata for the <c>lock</c> section (same options as the fleet config's).</summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    PropertyNameCaseInsensitive = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(LockOptions))]
internal sealed partial class LocksJsonContext : JsonSerializerContext;
