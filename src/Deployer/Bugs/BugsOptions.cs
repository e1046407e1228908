using System.Text.Json;
using System.Text.Json.Serialization;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Bugs;

// Setters, not init: read by the JSON source generator, which drops init-only defaults (see Fleet/FleetConfig.cs).

/// <summary>
/// The <c>bugs</c> section: tracker name to tracker. Each tracker comments on the bugs named by the commits of its
/// <see cref="BugTrackerOptions.Repos"/> when a rollout deploys them.
/// </summary>
public static class BugsOptions
{
    /// <summary>The root key of this section in the config file.</summary>
    public const string Section = "bugs";

    /// <summary>The <c>bugs</c> section of <paramref name="fleet"/> (empty when left out); throws JsonException when it does not bind.</summary>
    public static Dictionary<string, BugTrackerOptions> From(FleetConfig fleet) =>
        FleetConfigSections.Read(fleet, Section, BugsJsonContext.Default.DictionaryStringBugTrackerOptions)
        ?? new Dictionary<string, BugTrackerOptions>(StringComparer.Ordinal);
}

public sealed record BugTrackerOptions
{
    public const string Bugzilla = "bugzilla";
    public const string GitHub = "github";

    /// <summary><c>bugzilla</c> or <c>github</c>.</summary>
    public string Kind { get; set; } = Bugzilla;

    /// <summary>Bugzilla's root (<c>https://bugzilla.mozilla.org</c>) or GitHub's API root (<c>https://api.github.com</c>).</summary>
    public string Url { get; set; } = "";

    /// <summary>GitHub only: <c>owner/name</c> of the repository whose issues the commits name.</summary>
    public string? Project { get; set; }

    /// <summary>Bugzilla: the environment variable holding the API key.</summary>
    public string? ApiKeyEnv { get; set; }

    /// <summary>Bugzilla: a file holding the API key.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>GitHub: the environment variable holding the token.</summary>
    public string? TokenEnv { get; set; }

    /// <summary>GitHub: a file holding the token.</summary>
    public string? TokenFile { get; set; }

    /// <summary>The repos (names under <c>repos</c>) whose commits name this tracker's bugs.</summary>
    public List<string> Repos { get; set; } = [];

    /// <summary>Only log the comments and show them in <c>!status bugs</c>; nothing is sent.</summary>
    public bool DryRun { get; set; }

    /// <summary>The first line of every comment; placeholders <c>{bug}</c>, <c>{rollout}</c>, <c>{hosts}</c>. Default (the Bot's): <c>Deployed by chatops rollout #{rollout} to {hosts}.</c></summary>
    public string? Template { get; set; }

    /// <summary>How long one request may take. Default 30.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    [JsonIgnore]
    public bool IsGitHub => string.Equals(Kind, GitHub, StringComparison.OrdinalIgnoreCase);

    /// <summary>Where the secret comes from: the environment variable wins over the file.</summary>
    [JsonIgnore]
    public (string? Env, string? File) SecretSource => IsGitHub ? (TokenEnv, TokenFile) : (ApiKeyEnv, ApiKeyFile);

    /// <summary>The secret, or null when neither source has one. Never logged.</summary>
    public string? ReadSecret(Func<string, string?>? environment = null)
    {
        var (env, file) = SecretSource;
        if (env is not null && (environment ?? Environment.GetEnvironmentVariable)(env) is { Length: > 0 } fromEnv) return fromEnv.Trim();
        if (file is not null && File.Exists(file)) return File.ReadAllText(file).Trim() is { Length: > 0 } fromFile ? fromFile : null;
        return null;
    }
}

/// <summary>Compile-time JSON metadata for the <c>bugs</c> section (same options as the fleet config's).</summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    PropertyNameCaseInsensitive = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(Dictionary<string, BugTrackerOptions>))]
internal sealed partial class BugsJsonContext : JsonSerializerContext;
