using System.Text.RegularExpressions;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Deployer.Tests;

/// <summary>The Deployer's feature folders depend on each other without cycles, and Fleet depends on none of them.</summary>
public sealed partial class FolderDependencyTests
{
    [Fact]
    public void FeatureFolders_HaveNoCycles_FleetIsALeaf()
    {
        var graph = Graph();

        Assert.Empty(graph["Fleet"]);
        var cycle = FindCycle(graph);
        Assert.True(cycle is null, $"folder cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    private static Dictionary<string, HashSet<string>> Graph()
    {
        var root = SourceTree.Combine("src", "Deployer");
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).Where(d => d is not ("bin" or "obj")).Cast<string>().ToList();
        var graph = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal));
        foreach (var folder in folders)
        {
            foreach (var file in Directory.GetFiles(Path.Combine(root, folder), "*.cs"))
            {
                foreach (Match m in Reference().Matches(File.ReadAllText(file)))
                {
                    var target = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
                    if (target != folder && graph.ContainsKey(target)) graph[folder].Add(target);
                }
            }
        }

        return graph;
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        var path = new List<string>();
        foreach (var node in graph.Keys)
        {
            if (Visit(node) is { } cycle) return cycle;
        }

        return null;

        List<string>? Visit(string node)
        {
            if (state.GetValueOrDefault(node) == 2) return null;
            if (state.GetValueOrDefault(node) == 1) return [.. path.SkipWhile(n => n != node), node];
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph[node])
            {
                if (Visit(next) is { } cycle) return cycle;
            }

            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }

    [GeneratedRegex(@"ChatOpsReconfig\.Deployer\.([A-Z][A-Za-z]+)\b|\bDeployer\.([A-Z][A-Za-z]+)\.")]
    private static partial Regex Reference();
}
