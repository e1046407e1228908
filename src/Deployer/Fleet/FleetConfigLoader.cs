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
    /// environment variables the config names (the ssh key's); the process environment by default.
    /// </summary>
    public static (FleetConfig? Config, IReadOnlyList<string> Problems) TryLoad(
        string path, IEnumerable<string>? extraSections = null, string? baseDirectory = null, Func<string, string?>? environment = null)
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
        var problems = new List<string>();
        try
        {
            // Unknown keys are collected first, so that they are reported together with every other problem
            // instead of the first one stopping deserialization.
            problems.AddRange(UnknownKeys(text));
            config = JsonSerializer.Deserialize<FleetConfig>(text, problems.Count == 0 ? JsonOptions : LenientOptions);
        }
        catch (JsonException ex)
        {
            return (null, [Describe(ex)]);
        }

        if (config is null) return (null, ["(root): the file is empty or null"]);

        problems.AddRange(FleetConfigValidator.Validate(config, extraSections ?? [], environment));
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

    /// <summary>Every key the config types do not declare, as <c>path.to.key: unknown key (line N)</c>.</summary>
    private static List<string> UnknownKeys(string text)
    {
        var utf8 = System.Text.Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var problems = new List<string>();
        try
        {
            if (reader.Read()) Walk(ref reader, JsonOptions.GetTypeInfo(typeof(FleetConfig)), "", utf8, problems);
        }
        catch (JsonException)
        {
            // Malformed JSON: deserialization reports it with the key path, which the bare reader does not know.
            return [];
        }

        return problems;
    }

    private static void Walk(ref Utf8JsonReader reader, JsonTypeInfo info, string path, byte[] utf8, List<string> problems)
    {
        if (info.Kind == JsonTypeInfoKind.Object && reader.TokenType == JsonTokenType.StartObject)
        {
            var hasExtensionData = info.Properties.Any(p => p.IsExtensionData);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!; // a PropertyName token always has a string value
                var line = 1 + utf8.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
                reader.Read();
                var property = info.Properties.FirstOrDefault(p => !p.IsExtensionData && string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                if (property is not null)
                {
                    Walk(ref reader, JsonOptions.GetTypeInfo(property.PropertyType), Join(path, name), utf8, problems);
                }
                else
                {
                    // Root sections owned by other components land in the extension data; the validator checks those.
                    if (!hasExtensionData) problems.Add($"{Join(path, name)}: unknown key (line {line})");
                    reader.Skip();
                }
            }
        }
        else if (info.Kind == JsonTypeInfoKind.Dictionary && reader.TokenType == JsonTokenType.StartObject)
        {
            var values = JsonOptions.GetTypeInfo(info.ElementType!); // dictionaries always have an element type
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var key = reader.GetString()!;
                reader.Read();
                Walk(ref reader, values, Join(path, key), utf8, problems);
            }
        }
        else if (info.Kind == JsonTypeInfoKind.Enumerable && reader.TokenType == JsonTokenType.StartArray)
        {
            var items = JsonOptions.GetTypeInfo(info.ElementType!); // enumerables always have an element type
            for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
                Walk(ref reader, items, $"{path}[{i}]", utf8, problems);
        }
        else
        {
            // Scalars and values of the wrong shape: deserialization reports the latter with its path.
            reader.Skip();
        }
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

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

public sealed class FleetConfigException(string path, IReadOnlyList<string> problems)
    : Exception($"invalid config {path}:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
