using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatOpsReconfig.Bot.Chat.Discord;

/// <summary>
/// The slash commands the bot registers for its guild. Each takes the same words as its <c>!</c> form in one optional
/// text option, so <c>/lock 30m reason</c> reaches the same router as <c>!lock 30m reason</c>.
/// </summary>
internal static class DiscordSlashCommands
{
    public const string ArgsOption = "args";

    /// <summary>Name and description (1–100 characters) of each command.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> All =
    [
        ("lock", "Hold deploys (e.g. 30m reason)"),
        ("unlock", "Release your hold (or: commit, all)"),
        ("extend", "Extend your hold (e.g. 30m)"),
        ("freeze", "Freeze deploys for a period"),
        ("unfreeze", "End a freeze"),
        ("deploy", "Deploy production now (e.g. now, now --force)"),
        ("rollback", "Roll back the last rollout"),
        ("status", "Fleet status (or one host or role)"),
        ("history", "Recent rollouts and commands"),
        ("help", "What the bot understands"),
    ];

    /// <summary>The body of the bulk overwrite (<c>PUT …/guilds/{guild}/commands</c>).</summary>
    public static JsonArray Definitions()
    {
        var array = new JsonArray();
        foreach (var (name, description) in All)
        {
            array.Add(new JsonObject
            {
                ["name"] = name,
                ["description"] = description,
                ["type"] = 1,
                ["options"] = new JsonArray
                {
                    new JsonObject { ["name"] = ArgsOption, ["description"] = $"the words after !{name}", ["type"] = 3, ["required"] = false },
                },
            });
        }

        return array;
    }

    /// <summary>
    /// Whether the guild's registered commands (from <c>GET</c>) already match ours, so the bot does not overwrite them
    /// at every start (there is a daily limit of 200 command creates per guild).
    /// </summary>
    public static bool Match(JsonElement registered)
    {
        if (registered.ValueKind != JsonValueKind.Array || registered.GetArrayLength() != All.Count) return false;
        var wanted = Definitions().ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!);
        foreach (var command in registered.EnumerateArray())
        {
            var name = Text(command, "name");
            if (name is null || !wanted.TryGetValue(name, out var want)) return false;
            if (Text(command, "description") != want["description"]!.GetValue<string>()) return false;
            if (!command.TryGetProperty("options", out var options) || options.GetArrayLength() != 1) return false;
            var option = options[0];
            var wantOption = want["options"]![0]!;
            if (Text(option, "name") != ArgsOption || Text(option, "description") != wantOption["description"]!.GetValue<string>()) return false;
            if (!option.TryGetProperty("type", out var type) || type.GetInt32() != 3) return false;
            if (option.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.True) return false;
        }

        return true;
    }

    /// <summary>The <c>!</c> line an APPLICATION_COMMAND interaction's <c>data</c> stands for.</summary>
    public static string ToCommandLine(JsonElement data, string prefix)
    {
        var name = Text(data, "name") ?? "";
        var words = new List<string> { prefix + name };
        if (data.TryGetProperty("options", out var options) && options.ValueKind == JsonValueKind.Array)
        {
            foreach (var option in options.EnumerateArray())
            {
                if (option.TryGetProperty("value", out var value))
                    words.Add(value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText());
            }
        }

        return string.Join(' ', words.Where(w => w.Length > 0));
    }

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
