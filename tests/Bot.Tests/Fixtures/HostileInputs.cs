using System.Text;
using System.Text.Json.Nodes;

namespace ChatOpsReconfig.Bot.Tests.Fixtures;

/// <summary>
/// The hostile inputs of <c>hostile-inputs.json</c>: chat lines, config values and whole config files, webhook
/// requests. Each names the entry point it goes through (<see cref="Entry.Via"/>) and a fragment of the specific
/// error it must get. Long inputs are written as a text plus a repeated part (<c>pad</c> × <c>padTimes</c>, then
/// <c>after</c> × <c>afterTimes</c>), so the file stays readable.
/// </summary>
public static class HostileInputs
{
    public sealed record Entry(string Name, string Via, JsonObject Json)
    {
        /// <summary>The fragment the error must contain.</summary>
        public string Expect => (string?)Json["expect"] ?? "";

        public string? User => (string?)Json["user"];

        /// <summary>The chat line, hook body or config file text, with its repeated parts.</summary>
        public string Text => Expand(Json, (string?)Json["text"] ?? (string?)Json["body"] ?? (string?)Json["raw"] ?? "");

        public string? Path => (string?)Json["path"];

        public override string ToString() => Name;
    }

    public static IReadOnlyList<Entry> All { get; } = Load();

    public static IEnumerable<Entry> Via(string via) => All.Where(e => e.Via == via);

    /// <summary><paramref name="text"/> followed by the entry's repeated parts.</summary>
    public static string Expand(JsonObject json, string text)
    {
        var sb = new StringBuilder(text);
        if ((string?)json["pad"] is { } pad) sb.Insert(sb.Length, pad, (int?)json["padTimes"] ?? 1);
        if ((string?)json["after"] is { } after) sb.Insert(sb.Length, after, (int?)json["afterTimes"] ?? 1);
        return sb.ToString();
    }

    private static List<Entry> Load()
    {
        var text = File.ReadAllText(Deployer.Tests.Fixtures.SourceTree.Combine("tests", "Bot.Tests", "Fixtures", "hostile-inputs.json"));
        return JsonNode.Parse(text)!.AsArray().Select(n => n!.AsObject()).Select(o => new Entry((string)o["name"]!, (string)o["via"]!, o)).ToList();
    }
}
