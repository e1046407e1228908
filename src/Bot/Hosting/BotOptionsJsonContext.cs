using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatOpsReconfig.Bot.Hosting;

/// <summary>
/// Compile-time JSON metadata for the bot's config sections, read by every verb when it validates the config:
/// reflection metadata would put the cold reflection path back on <c>chatops deploy</c>'s start-up. Used through
/// <c>BotOptions</c> with the fleet config's options (comments, trailing commas, unknown keys refused).
/// </summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    PropertyNameCaseInsensitive = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ChatOptions))]
[JsonSerializable(typeof(PermissionsOptions))]
[JsonSerializable(typeof(WebOptions))]
internal sealed partial class BotOptionsJsonContext : JsonSerializerContext;
