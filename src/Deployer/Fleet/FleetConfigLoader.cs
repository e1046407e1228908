using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ChatOpsReconfig.Deployer.Fleet;

/// <summary>Reads a fleet config file (JSON with comments) and resolves its relative paths.</summary>
public static class FleetConfigLoader
{
    public static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();

    /// <summary>Loads and validates; throws <see cref="FleetConfigException"/> listing every problem.</summary>
    public static FleetConfig Load(string path, IEnumerable<string>? extraSections = null, string? baseDirectory = null)
    {
        var (config, problems) = TryLoad(path, extraSections, baseDirectory);
        if (problems.Count > 0) throw new FleetConfigException(path, problems);
        return config!;
    }

    /// <summary>
    /// Loads and validates, returning the problems instead of throwing. <paramref name="environment"/> looks up
    /// environment variables the config names (the ssh key's); the process environment by default. The root sections
    /// named in <paramref name="extraSections"/> are passed through unchecked: their owners bind them.
    /// </summary>
    public static (FleetConfig? Config, IReadOnlyList<string> Problems) TryLoad(
        string path, IEnumerable<string>? extraSections = null, string? baseDirectory = null, Func<string, string?>? environment = null) =>
        TryLoad(path, new ConfigSections((extraSections ?? []).ToDictionary(n => n, _ => (JsonTypeInfo?)null, StringComparer.OrdinalIgnoreCase)), baseDirectory, environment);

    /// <summary>
    /// Loads and validates with the other components' sections: their shape is checked with their metadata, and
    /// their checks run too, so that every problem in the file is reported in one go, each with its line.
    /// </summary>
    public static (FleetConfig? Config, IReadOnlyList<string> Problems) TryLoad(
        string path, ConfigSections sections, string? baseDirectory = null, Func<string, string?>? environment = null)
    {
        byte[] utf8;
        try
        {
            utf8 = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, [$"(file): cannot read {path}: {ex.Message}"]);
        }

        // The shape first: wrong types, duplicate and unknown keys are all reported (binding stops at the first), and
        // binding then sees only values of the right type, so the semantic checks below run on everything else.
        var shape = ConfigShape.Check(utf8, JsonOptions.GetTypeInfo(typeof(FleetConfig)), sections.Types);
        var problems = shape.Problems.Select(p => p.ToString()).ToList();
        if (shape.Cleaned is null) return (null, problems.Select(Bounded).ToList());

        FleetConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<FleetConfig>(shape.Cleaned, LenientOptions);
        }
        catch (JsonException ex)
        {
            return (null, [.. problems, Describe(ex)]);
        }

        if (config is null) return (null, ["(root): the file is empty or null"]);

        var semantic = FleetConfigValidator.Validate(config, sections.Types.Keys, environment).Concat(sections.Validate?.Invoke(config) ?? []);
        problems.AddRange(semantic.Select(shape.Place).OfType<string>());
        if (problems.Count > 0) return (config, problems.Select(Bounded).ToList());
        return (Resolve(config, baseDirectory ?? Directory.GetCurrentDirectory()), problems);
    }

    /// <summary>A problem that quotes a huge value stays one readable line.</summary>
    private static string Bounded(string problem) => problem.Length <= 500 ? problem : SafeText.Token(problem, 500);

    /// <summary>Makes data dir, store, known_hosts, key file, local basedirs and local repo urls absolute.</summary>
    public static FleetConfig Resolve(FleetConfig config, string baseDirectory)
    {
        var dataDir = Path.GetFullPath(config.DataDir, baseDirectory);
        return config with
        {
            DataDir = dataDir,
            StorePath = Path.GetFullPath(config.StorePath ?? Path.Combine(dataDir, "chatops.db"), baseDirectory),
            Ssh = config.Ssh with
            {
                KnownHosts = config.Ssh.KnownHosts is null ? null : Path.GetFullPath(ExpandHome(config.Ssh.KnownHosts), baseDirectory),
                KeyFile = config.Ssh.KeyFile is null ? null : Path.GetFullPath(ExpandHome(config.Ssh.KeyFile), baseDirectory),
            },
            Hosts = config.Hosts
                .Select(h => h.Transport == TransportKind.Local ? h with { Basedir = Path.GetFullPath(h.Basedir, baseDirectory) } : h)
                .ToList(),
            Repos = config.Repos.ToDictionary(
                kv => kv.Key,
                kv => IsLocalPath(kv.Value.Url) ? kv.Value with { Url = Path.GetFullPath(kv.Value.Url, baseDirectory) } : kv.Value,
                StringComparer.Ordinal),
        };
    }

    private static bool IsLocalPath(string url) =>
        !url.Contains("://", StringComparison.Ordinal) && !url.Contains('@', StringComparison.Ordinal) && !url.StartsWith("ssh:", StringComparison.Ordinal);

    private static string ExpandHome(string path) =>
        path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[2..])
            : path;

    private static string Describe(JsonException ex)
    {
        var where = string.IsNullOrEmpty(ex.Path) ? "(root)" : ex.Path.TrimStart('$', '.');
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        if (message.Contains("could not be mapped", StringComparison.Ordinal)) message = "unknown key " + message;
        return $"{where}: {message} (line {ex.LineNumber + 1})";
    }

    private static readonly JsonSerializerOptions LenientOptions =
        new(JsonOptions) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip };

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions
        {
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            PropertyNameCaseInsensitive = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            WriteIndented = true,
            // Only the config types: a type outside them fails loudly instead of falling back to reflection.
            TypeInfoResolver = FleetConfigJsonContext.Default,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly();
        return options;
    }
}

/// <summary>
/// The root sections other components own (their JSON metadata; null passes a section through unchecked) and their
/// checks of the loaded config, as <c>path.to.key: message</c>.
/// </summary>
public sealed record ConfigSections(IReadOnlyDictionary<string, JsonTypeInfo?> Types, Func<FleetConfig, IEnumerable<string>>? Validate = null);

public sealed class FleetConfigException(string path, IReadOnlyList<string> problems)
    : Exception($"invalid config {path}:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
