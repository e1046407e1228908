using System.Text.Json;
using System.Text.Json.Serialization;

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

    /// <summary>Loads and validates, returning the problems instead of throwing.</summary>
    public static (FleetConfig? Config, IReadOnlyList<string> Problems) TryLoad(
        string path, IEnumerable<string>? extraSections = null, string? baseDirectory = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, [$"(file): cannot read {path}: {ex.Message}"]);
        }

        FleetConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<FleetConfig>(text, JsonOptions);
        }
        catch (JsonException ex)
        {
            return (null, [Describe(ex)]);
        }

        if (config is null) return (null, ["(root): the file is empty or null"]);

        var problems = FleetConfigValidator.Validate(config, extraSections ?? []);
        if (problems.Count > 0) return (config, problems);
        return (Resolve(config, baseDirectory ?? Directory.GetCurrentDirectory()), problems);
    }

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
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

public sealed class FleetConfigException(string path, IReadOnlyList<string> problems)
    : Exception($"invalid config {path}:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
