using System.Reflection;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Deployer.Tests;

/// <summary>
/// The Deployer answers with data; the words for people are the Bot's (src/Bot/Announcements). These catch a
/// finished sentence creeping back into what the Deployer returns.
/// </summary>
public sealed class NoWordsTests
{
    /// <summary>Names a sentence for people used to go by on the Deployer's answers.</summary>
    private static readonly string[] SentenceNames = ["Line", "Refusal", "Message", "Why", "Text", "Sentence"];

    /// <summary>The answers of the lock, freeze, policy and rollout services (results, decisions, events).</summary>
    private static readonly string[] AnswerNamespaces =
        ["ChatOpsReconfig.Deployer.Locks", "ChatOpsReconfig.Deployer.Policy", "ChatOpsReconfig.Deployer.Rollout", "ChatOpsReconfig.Deployer"];

    [Fact]
    public void PublicAnswers_HaveNoSentenceProperties()
    {
        var offenders = typeof(Deployer.Locks.LockService).Assembly.GetExportedTypes()
            .Where(t => AnswerNamespaces.Contains(t.Namespace))
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(p => (Type: t, Property: p)))
            .Where(x => x.Property.PropertyType == typeof(string) && SentenceNames.Contains(x.Property.Name))
            .Select(x => $"{x.Type.Name}.{x.Property.Name}")
            .ToList();

        Assert.True(offenders.Count == 0, "string sentences on Deployer answers: " + string.Join(", ", offenders));
    }

    [Fact]
    public void WordingHelpers_LiveInTheBot()
    {
        var src = SourceTree.Combine("src");
        foreach (var moved in new[] { "HumanTime.cs", "HumanNames.cs", "ReasonText.cs" })
        {
            Assert.False(File.Exists(Path.Combine(src, "Deployer", moved)), $"src/Deployer/{moved} is back; words belong in src/Bot/Announcements");
        }

        var offenders = Directory.GetFiles(Path.Combine(src, "Deployer"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f) is var text && (text.Contains("HumanTime.", StringComparison.Ordinal) || text.Contains("HumanNames.", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(src, f))
            .ToList();
        Assert.True(offenders.Count == 0, "Deployer source formats for people: " + string.Join(", ", offenders));
    }
}
