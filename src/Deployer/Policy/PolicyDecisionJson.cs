using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>A <see cref="PolicyDecision"/> as JSON, for the store (the last answer, the door's log).</summary>
public static class PolicyDecisionJson
{
    public static string Serialize(PolicyDecision decision) => JsonSerializer.Serialize(decision, PolicyDecisionJsonContext.Default.PolicyDecision);

    /// <summary>The decision in <paramref name="json"/>, or null when it is empty or not one (an older store's entry).</summary>
    public static PolicyDecision? Deserialize(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            return JsonSerializer.Deserialize(json, PolicyDecisionJsonContext.Default.PolicyDecision);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The reason alone, as JSON, for logs (a record's own text names its lists by their type only).</summary>
    public static string ReasonJson(PolicyReason? reason) =>
        reason is null ? "" : JsonSerializer.Serialize(reason, PolicyDecisionJsonContext.Default.PolicyReason);

    /// <summary>True when both say the same, whenever they were decided.</summary>
    public static bool SameAnswer(PolicyDecision? a, PolicyDecision? b) =>
        a is not null && b is not null && Serialize(a with { At = default }) == Serialize(b with { At = default });
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PolicyDecision))]
internal sealed partial class PolicyDecisionJsonContext : JsonSerializerContext;
