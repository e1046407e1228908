using System.Text.Json.Nodes;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Bot.Tests.Hostile;

/// <summary>
/// The config part of the hostile-input corpus: a hostile value put into the demo config at a key (or a whole hostile
/// file), loaded the way <c>chatops validate-config</c> and <c>chatops run</c> load it. Each is refused with a problem
/// that names the key (or says what is wrong with the file), without .NET type names or stack traces.
/// </summary>
public sealed class HostileConfigTests : IDisposable
{
    private readonly TempDirectory _dir = new("hostile-config");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Corpus_HasAtLeast150Inputs_AsTheReadmeSays()
    {
        Assert.True(HostileInputs.All.Count >= 150, $"{HostileInputs.All.Count} inputs");
        Assert.Equal(HostileInputs.All.Count, HostileInputs.All.Select(e => e.Name).Distinct().Count());
        Assert.All(HostileInputs.All, e => Assert.False(string.IsNullOrEmpty(e.Expect) && (bool?)e.Json["slow"] != true, $"{e.Name}: no expected error"));
        var readme = File.ReadAllText(SourceTree.Combine("README.md"));
        Assert.Contains($"**{HostileInputs.All.Count} hostile inputs** ({HostileInputs.Via("chat").Count()} chat lines, {HostileInputs.Via("config").Count()}", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryConfigInput_IsRefusedWithAProblemNamingIt()
    {
        var failures = new List<string>();
        foreach (var e in HostileInputs.Via("config"))
        {
            var path = _dir.Combine(e.Name + ".json");
            File.WriteAllText(path, e.Json.ContainsKey("raw") ? e.Text : WithValue(e));

            var (config, problems) = FleetConfigLoader.TryLoad(path, BotOptions.Sections);
            var all = string.Join("\n", problems);
            if (problems.Count == 0) failures.Add($"{e.Name}: accepted");
            else if (!all.Contains(e.Expect, StringComparison.Ordinal)) failures.Add($"{e.Name}: expected '{e.Expect}', got:\n{all}");
            if (all.Contains("System.", StringComparison.Ordinal) || all.Contains("   at ", StringComparison.Ordinal) || all.Contains("LiteDB", StringComparison.Ordinal))
                failures.Add($"{e.Name}: .NET words in:\n{all}");
            if (problems.Any(p => p.Length > 1000)) failures.Add($"{e.Name}: a problem of {problems.Max(p => p.Length)} characters");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {HostileInputs.Via("config").Count()} config inputs:\n" + string.Join("\n", failures));
    }

    /// <summary>The demo config with the entry's value (and its <c>also</c> values) set at their keys.</summary>
    private static string WithValue(HostileInputs.Entry e)
    {
        var text = File.ReadAllText(SourceTree.Combine("config", "chatops.json"));
        var json = JsonNode.Parse(text, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        if (e.Json["also"] is JsonObject also)
        {
            foreach (var (key, value) in also) Set(json, key, value?.DeepClone());
        }

        var v = e.Json["value"];
        Set(json, e.Path!, v is JsonObject repeated ? JsonValue.Create(HostileInputs.Expand(repeated, "")) : v?.DeepClone());
        return json.ToJsonString();
    }

    /// <summary>Sets <paramref name="path"/> (<c>a.b[0].c</c>), creating objects on the way.</summary>
    private static void Set(JsonObject root, string path, JsonNode? value)
    {
        JsonNode node = root;
        var parts = path.Split('.');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var index = -1;
            if (part.EndsWith(']'))
            {
                var open = part.IndexOf('[', StringComparison.Ordinal);
                index = int.Parse(part[(open + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
                part = part[..open];
            }

            var last = i == parts.Length - 1;
            if (index < 0 && last)
            {
                node.AsObject()[part] = value;
                return;
            }

            node = node.AsObject()[part] ??= new JsonObject();
            if (index < 0) continue;
            if (last)
            {
                node.AsArray()[index] = value;
                return;
            }

            node = node.AsArray()[index]!;
        }
    }
}
