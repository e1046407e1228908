using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ChatOpsReconfig.Deployer.Fleet;

/// <summary>
/// What <see cref="ConfigShape.Check"/> found: every shape problem with its line, the line of every key, and the
/// document without the values that had problems (null when the JSON itself is broken).
/// </summary>
public sealed record ConfigShapeResult(
    byte[]? Cleaned, IReadOnlyList<ConfigProblem> Problems, IReadOnlyDictionary<string, int> Lines, IReadOnlyList<string> Tainted)
{
    /// <summary>
    /// <c>path: message (line N)</c> for a problem the semantic validators found, with the line of its key (or of the
    /// nearest enclosing key the file has); null when it only follows from a shape problem already reported at or
    /// above its path (a wrong value left out of binding falls back to the default the validator then complains about;
    /// a wrong enum value, such as a host's transport, changes what its siblings must be, so it covers its whole object).
    /// </summary>
    public string? Place(string problem)
    {
        var cut = problem.IndexOf(": ", StringComparison.Ordinal);
        if (cut <= 0) return problem;
        var path = problem[..cut];
        if (Tainted.Any(t => IsAtOrUnder(path, t))) return null;
        for (var at = path; at.Length > 0; at = Parent(at))
        {
            if (Lines.TryGetValue(at, out var line)) return $"{problem} (line {line})";
        }

        return problem;
    }

    private static bool IsAtOrUnder(string path, string shapePath) =>
        path.StartsWith(shapePath, StringComparison.OrdinalIgnoreCase)
        && (path.Length == shapePath.Length || path[shapePath.Length] is '.' or '[');

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut <= 0 ? "" : path[..cut];
    }
}

/// <summary>A problem with the file's shape: <see cref="Path"/> in the config's key syntax, and the line it is on.</summary>
public sealed record ConfigProblem(string Path, string Message, int Line)
{
    public override string ToString() => $"{Path}: {Message} (line {Line})";
}

/// <summary>
/// Checks a config document against the types it binds to before anything is bound: wrong value types, duplicate
/// keys and unknown keys, all of them (the JSON binder stops at the first), in words rather than .NET type names.
/// Whole numbers written as <c>1e9</c> or <c>5.0</c> are accepted as such, so the range checks can speak about them.
/// </summary>
public sealed class ConfigShape
{
    private const int QuoteLimit = 40;

    private readonly byte[] _utf8;
    private readonly IReadOnlyDictionary<string, JsonTypeInfo?> _sections;
    private readonly List<ConfigProblem> _problems = [];
    private readonly List<string> _tainted = [];
    private readonly Dictionary<string, int> _lines = new(StringComparer.OrdinalIgnoreCase);
    private long _countedTo;
    private int _line = 1;

    private ConfigShape(byte[] utf8, IReadOnlyDictionary<string, JsonTypeInfo?> sections)
    {
        _utf8 = utf8;
        _sections = sections;
    }

    /// <summary>
    /// Checks <paramref name="utf8"/> against <paramref name="root"/>. Root keys the root type does not declare are
    /// looked up in <paramref name="sections"/> (their owners' metadata; null metadata passes the section through unchecked).
    /// </summary>
    public static ConfigShapeResult Check(byte[] utf8, JsonTypeInfo root, IReadOnlyDictionary<string, JsonTypeInfo?> sections)
    {
        var shape = new ConfigShape(utf8, new Dictionary<string, JsonTypeInfo?>(sections, StringComparer.OrdinalIgnoreCase));
        var output = new ArrayBufferWriter<byte>();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var path = "";
        try
        {
            if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
                return new ConfigShapeResult(null, [new ConfigProblem("(root)", "the file is empty or null", 1)], shape._lines, shape._tainted);
            if (reader.TokenType != JsonTokenType.StartObject)
                return new ConfigShapeResult(null, [new ConfigProblem("(root)", $"expected an object, got {Got(ref reader)}", 1)], shape._lines, shape._tainted);
            using (var writer = new Utf8JsonWriter(output))
                shape.Write(ref reader, writer, root, ref path);
            // Anything but comments after the closing brace is refused by the reader (a second value, pasted text).
            path = "";
            reader.Read();
        }
        catch (JsonException ex)
        {
            var message = ex.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) message = message[..cut];
            message = Plain(message);
            shape._problems.Add(new ConfigProblem(path.Length == 0 ? "(root)" : path, message, (int)(ex.LineNumber ?? 0) + 1));
            return new ConfigShapeResult(null, shape._problems, shape._lines, shape._tainted);
        }

        return new ConfigShapeResult(output.WrittenSpan.ToArray(), shape._problems, shape._lines, shape._tainted);
    }

    /// <summary>The JSON reader's complaint in words people use (its own speak of tokens and final blocks).</summary>
    private static string Plain(string message) =>
        message.StartsWith("The input does not contain any JSON tokens", StringComparison.Ordinal) ? "the file is empty"
        : message.Contains("maximum configured depth", StringComparison.Ordinal) ? "nested deeper than 64 levels"
        : message.Contains("after a single JSON value", StringComparison.Ordinal) ? "text after the closing } of the config"
        : message.Contains("is invalid within a JSON string", StringComparison.Ordinal) ? "a control character inside a string (write it as \\uXXXX)"
        : message;

    /// <summary>Writes the value the reader is on (already known to have the right token type), leaving out what is wrong inside it.</summary>
    private void Write(ref Utf8JsonReader reader, Utf8JsonWriter w, JsonTypeInfo info, ref string path)
    {
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object:
                WriteObject(ref reader, w, info, ref path);
                break;
            case JsonTypeInfoKind.Dictionary:
                WriteDictionary(ref reader, w, info, ref path);
                break;
            case JsonTypeInfoKind.Enumerable:
                WriteList(ref reader, w, info, ref path);
                break;
            default:
                WriteScalar(ref reader, w, info.Type);
                break;
        }
    }

    private void WriteObject(ref Utf8JsonReader reader, Utf8JsonWriter w, JsonTypeInfo info, ref string path)
    {
        var parent = path;
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        w.WriteStartObject();
        while (Next(ref reader, ref path, parent) && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!; // a PropertyName token always has a string value
            var line = LineOf(reader.TokenStartIndex);
            var property = info.Properties.FirstOrDefault(p => !p.IsExtensionData && string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));
            path = Join(parent, property?.Name ?? key);
            reader.Read();
            if (SkipDuplicate(ref reader, seen, key, line, path)) continue;
            if (property is not null)
            {
                Member(ref reader, w, property.Name, property.PropertyType, info.Options, property.IsSetNullable, line, ref path);
            }
            else if (parent.Length == 0 && _sections.TryGetValue(key, out var section))
            {
                // A root section another component owns: checked with its owner's metadata, or passed through.
                if (section is null)
                {
                    w.WritePropertyName(key);
                    JsonElement.ParseValue(ref reader).WriteTo(w);
                }
                else
                {
                    Member(ref reader, w, key, section.Type, section.Options, nullable: true, line, ref path);
                }
            }
            else
            {
                Problem(path, "unknown key", line);
                reader.Skip();
            }
        }

        w.WriteEndObject();
        path = parent;
    }

    private void WriteDictionary(ref Utf8JsonReader reader, Utf8JsonWriter w, JsonTypeInfo info, ref string path)
    {
        var parent = path;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        w.WriteStartObject();
        while (Next(ref reader, ref path, parent) && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            var line = LineOf(reader.TokenStartIndex);
            path = Join(parent, key);
            reader.Read();
            if (SkipDuplicate(ref reader, seen, key, line, path)) continue;
            Member(ref reader, w, key, info.ElementType!, info.Options, nullable: false, line, ref path); // dictionaries always have an element type
        }

        w.WriteEndObject();
        path = parent;
    }

    private void WriteList(ref Utf8JsonReader reader, Utf8JsonWriter w, JsonTypeInfo info, ref string path)
    {
        var parent = path;
        var itemType = info.ElementType!; // enumerables always have an element type
        w.WriteStartArray();
        for (var i = 0; Next(ref reader, ref path, parent) && reader.TokenType != JsonTokenType.EndArray; i++)
        {
            path = $"{parent}[{i}]";
            var line = LineOf(reader.TokenStartIndex);
            _lines.TryAdd(path, line);
            var mismatch = Mismatch(ref reader, itemType, info.Options, nullable: false, path);
            if (mismatch is null)
            {
                Write(ref reader, w, TypeInfo(itemType, info.Options), ref path);
                continue;
            }

            // Left in as a default item, so that the items after it keep their index; problems the validators
            // then find inside it are dropped as following from this one.
            Problem(path, mismatch, line);
            reader.Skip();
            WriteDefault(w, itemType, info.Options);
        }

        w.WriteEndArray();
        path = parent;
    }

    /// <summary>True when <paramref name="key"/> came before in this object: reported, and its value skipped.</summary>
    private bool SkipDuplicate(ref Utf8JsonReader reader, Dictionary<string, int> seen, string key, int line, string path)
    {
        if (seen.TryGetValue(key, out var first))
        {
            Problem(path, $"duplicate key (first on line {first})", line);
            reader.Skip();
            return true;
        }

        seen[key] = line;
        _lines.TryAdd(path, line);
        return false;
    }

    /// <summary>A property's value: written when its token type fits, else reported and left out (the default applies).</summary>
    private void Member(ref Utf8JsonReader reader, Utf8JsonWriter w, string name, Type type, JsonSerializerOptions options, bool nullable, int line, ref string path)
    {
        var mismatch = Mismatch(ref reader, type, options, nullable, path);
        if (mismatch is not null)
        {
            Problem(path, mismatch, line, Taints(path, type));
            reader.Skip();
            return;
        }

        w.WritePropertyName(name);
        if (reader.TokenType == JsonTokenType.Null) w.WriteNullValue();
        else Write(ref reader, w, TypeInfo(type, options), ref path);
    }

    private void WriteScalar(ref Utf8JsonReader reader, Utf8JsonWriter w, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when type == typeof(int) || type == typeof(long):
                w.WriteNumberValue((long)WholeNumber(ref reader)!.Value); // Mismatch has checked it is whole and in range
                break;
            case JsonTokenType.Number:
                w.WriteRawValue(reader.ValueSpan);
                break;
            case JsonTokenType.String:
                w.WriteStringValue(reader.GetString());
                break;
            case JsonTokenType.True or JsonTokenType.False:
                w.WriteBooleanValue(reader.GetBoolean());
                break;
            case JsonTokenType.Null:
                w.WriteNullValue();
                break;
            default:
                JsonElement.ParseValue(ref reader).WriteTo(w);
                break;
        }
    }

    private static void WriteDefault(Utf8JsonWriter w, Type type, JsonSerializerOptions options)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) w.WriteStringValue("");
        else if (type == typeof(bool)) w.WriteBooleanValue(false);
        else if (type == typeof(int) || type == typeof(long) || type == typeof(double)) w.WriteNumberValue(0);
        else if (type.IsEnum) w.WriteStringValue(JsonNamingPolicy.CamelCase.ConvertName(Enum.GetNames(type)[0]));
        else if (TypeInfo(type, options).Kind == JsonTypeInfoKind.Enumerable) w.WriteRawValue("[]");
        else w.WriteRawValue("{}");
    }

    /// <summary>What is wrong with the value the reader is on for <paramref name="type"/>, in words; null when it fits.</summary>
    private static string? Mismatch(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options, bool nullable, string path)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null) (type, nullable) = (underlying, true);
        if (type == typeof(JsonElement)) return null;
        if (reader.TokenType == JsonTokenType.Null) return nullable ? null : $"expected {Expected(type, options)}, got null";

        var fits = type switch
        {
            _ when type == typeof(bool) => reader.TokenType is JsonTokenType.True or JsonTokenType.False,
            _ when type == typeof(string) => reader.TokenType == JsonTokenType.String,
            _ when type == typeof(double) => reader.TokenType == JsonTokenType.Number,
            _ when type == typeof(int) => reader.TokenType == JsonTokenType.Number && WholeNumber(ref reader) is >= int.MinValue and <= int.MaxValue,
            _ when type == typeof(long) => reader.TokenType == JsonTokenType.Number && WholeNumber(ref reader) is >= long.MinValue and <= long.MaxValue,
            _ when type.IsEnum => reader.TokenType == JsonTokenType.String && Enum.GetNames(type).Contains(reader.GetString(), StringComparer.OrdinalIgnoreCase),
            _ => TypeInfo(type, options).Kind switch
            {
                JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => reader.TokenType == JsonTokenType.StartObject,
                JsonTypeInfoKind.Enumerable => reader.TokenType == JsonTokenType.StartArray,
                _ => true,
            },
        };
        if (fits) return null;
        if (type == typeof(int) && reader.TokenType == JsonTokenType.Number && WholeNumber(ref reader) is { } big)
            return $"{big.ToString(CultureInfo.InvariantCulture)} is {(big > 0 ? "more" : "less")} than {(big > 0 ? int.MaxValue : int.MinValue)}";
        return $"expected {Expected(type, options)}{Unit(type, path)}, got {Got(ref reader)}";
    }

    /// <summary>The unit a number's key names (<c>quietMinutes</c>: whole minutes), so the message says what is counted.</summary>
    private static string Unit(Type type, string path)
    {
        if (type != typeof(int) && type != typeof(long) && type != typeof(double)) return "";
        foreach (var unit in (string[])["Minutes", "Seconds", "Bytes"])
        {
            if (path.EndsWith(unit, StringComparison.OrdinalIgnoreCase)) return " of " + unit.ToLowerInvariant();
        }

        return "";
    }

    /// <summary>The number as a whole number (also when written <c>1e9</c> or <c>5.0</c>); null when it has a fraction.</summary>
    private static decimal? WholeNumber(ref Utf8JsonReader reader)
    {
        if (reader.TryGetInt64(out var whole)) return whole;
        var text = Encoding.UTF8.GetString(reader.ValueSpan);
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return null;
        return decimal.Truncate(value) == value ? value : null;
    }

    private static string Expected(Type type, JsonSerializerOptions options)
    {
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(string)) return "a string in quotes";
        if (type == typeof(int) || type == typeof(long)) return "a whole number";
        if (type == typeof(double)) return "a number";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => '"' + JsonNamingPolicy.CamelCase.ConvertName(n) + '"'));
        return TypeInfo(type, options).Kind switch
        {
            JsonTypeInfoKind.Enumerable => "a list [ … ]",
            _ => "an object { … }",
        };
    }

    /// <summary>The value as the file has it, short: strings quoted (cut at 40 characters), objects and lists named.</summary>
    private static string Got(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => Quote(reader.GetString()!),
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "a list",
        _ => Encoding.UTF8.GetString(reader.ValueSpan),
    };

    private static string Quote(string text)
    {
        var cut = text.Length > QuoteLimit ? text[..QuoteLimit] + "…" : text;
        // Control characters would break the one-line report; escapes show them.
        return '"' + string.Concat(cut.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) + '"';
    }

    private static JsonTypeInfo TypeInfo(Type type, JsonSerializerOptions options) => options.GetTypeInfo(type);

    private void Problem(string path, string message, int line, string? taints = null)
    {
        _problems.Add(new ConfigProblem(path, message, line));
        _tainted.Add(taints ?? path);
    }

    /// <summary>What a value left out affects: its own path, or for an enum (a mode, like a host's transport) the object holding it.</summary>
    private static string Taints(string path, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var cut = path.LastIndexOf('.');
        return type.IsEnum && cut > 0 ? path[..cut] : path;
    }

    /// <summary>The 1-based line of a byte offset; offsets only grow as the reader moves on, so lines are counted once.</summary>
    private int LineOf(long offset)
    {
        _line += _utf8.AsSpan((int)_countedTo, (int)(offset - _countedTo)).Count((byte)'\n');
        _countedTo = offset;
        return _line;
    }

    /// <summary>Reads the next token; a syntax error there is reported at the enclosing key, not the previous member.</summary>
    private static bool Next(ref Utf8JsonReader reader, ref string path, string parent)
    {
        path = parent;
        return reader.Read();
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
