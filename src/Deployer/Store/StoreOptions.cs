using System.Text.Json;
using System.Text.Json.Serialization;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Store;

// Setters, not init: read by the JSON source generator, which drops init-only defaults (see Fleet/FleetConfig.cs).

/// <summary>The <c>store</c> section of the config: which store, where its secret comes from, how much per-host detail it keeps.</summary>
public sealed record StoreOptions
{
    public const string Section = "store";

    /// <summary>The <c>store</c> section of <paramref name="fleet"/>, or the defaults; throws JsonException when it does not bind.</summary>
    public static StoreOptions From(FleetConfig fleet) => FleetConfigSections.Read(fleet, Section, StoreJsonContext.Default.StoreOptions) ?? new();

    public const string LiteDb = "litedb";
    public const string Postgres = "postgres";

    /// <summary><c>litedb</c> (the embedded default: one file under the data directory) or <c>postgres</c> (shared by two bots).</summary>
    public string Kind { get; set; } = LiteDb;

    /// <summary>For <c>postgres</c>: the environment variable holding the Npgsql connection string (it carries a password).</summary>
    public string? ConnectionStringEnv { get; set; }

    /// <summary>For <c>postgres</c>: a file holding the connection string, instead of <see cref="ConnectionStringEnv"/>.</summary>
    public string? ConnectionStringFile { get; set; }

    [JsonIgnore]
    public bool IsPostgres => Kind == Postgres;

    /// <summary>Rollouts whose per-host results (steps, output tails) are kept; older rollouts keep their summary only. Default 200.</summary>
    public int KeepRolloutDetail { get; set; } = 200;

    /// <summary>Every problem as <c>store.key: message</c>.</summary>
    public IEnumerable<string> Validate()
    {
        if (KeepRolloutDetail is < 1 or > 100_000) yield return "store.keepRolloutDetail: must be between 1 and 100000";
        if (Kind is not (LiteDb or Postgres)) yield return $"store.kind: \"{Kind}\" is not a store kind: use \"litedb\" or \"postgres\"";
        if (Kind == Postgres && (ConnectionStringEnv is null) == (ConnectionStringFile is null))
            yield return "store: a postgres store needs exactly one of connectionStringEnv (an environment variable) or connectionStringFile";
        if (Kind == LiteDb && (ConnectionStringEnv ?? ConnectionStringFile) is not null)
            yield return "store: connectionStringEnv and connectionStringFile are for kind \"postgres\"";
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
