using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ChatOpsReconfig.Deployer.Fleet;

/// <summary>Reads a root section another feature owns out of <see cref="FleetConfig.Extra"/>, with that feature's JSON metadata.</summary>
public static class FleetConfigSections
{
    /// <summary>
    /// The section <paramref name="name"/> bound to <typeparamref name="T"/>, or null when the file leaves it out.
    /// Unknown keys and wrong types throw a <see cref="JsonException"/> whose path starts with the section name.
    /// </summary>
    public static T? Read<T>(FleetConfig fleet, string name, JsonTypeInfo<T> info)
    {
        if (fleet.Extra is null) return default;
        var entry = fleet.Extra.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase));
        if (entry.Key is null) return default;
        try
        {
            return entry.Value.Deserialize(info);
        }
        catch (JsonException ex)
        {
            var inner = string.IsNullOrEmpty(ex.Path) ? "" : ex.Path.TrimStart('$');
            throw new JsonException(ex.Message, $"{name}{inner}", ex.LineNumber, ex.BytePositionInLine, ex);
        }
    }

    /// <summary><c>path.to.key: message</c> for a section that did not bind.</summary>
    public static string Describe(JsonException ex)
    {
        var message = ex.Message.Split(" Path:")[0];
        if (message.Contains("could not be mapped", StringComparison.Ordinal)) message = "unknown key: " + message;
        return $"{(ex.Path ?? "$").TrimStart('$', '.')}: {message}";
    }
}
