using System.Text.RegularExpressions;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>LiteDB stays behind the store's interfaces: only src/Deployer/Store/ may name it. Table names are named once.</summary>
public sealed class StoreBoundaryTests
{
    [Fact]
    public void NoSourceOutsideStore_MentionsLiteDB()
    {
        var src = SourceTree.Combine("src");
        var store = Path.Combine(src, "Deployer", "Store") + Path.DirectorySeparatorChar;
        var offenders = Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => !f.StartsWith(store, StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("LiteDB", StringComparison.OrdinalIgnoreCase))
            .Select(f => Path.GetRelativePath(src, f))
            .ToList();

        Assert.True(offenders.Count == 0, "LiteDB outside src/Deployer/Store: " + string.Join(", ", offenders));
    }

    [Fact]
    public void StoreDatabase_IsNotPublic()
    {
        var type = typeof(ChatOpsReconfig.Deployer.Store.StoreDatabase);
        Assert.False(type.IsPublic);
    }

    [Fact]
    public void PostgresSql_NamesTablesOnlyThroughPgTables()
    {
        var tables = typeof(ChatOpsReconfig.Deployer.Store.Postgres.PgTables)
            .GetFields().Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Contains("documents", tables);
        var written = new Regex($@"\b(FROM|INTO|UPDATE|TABLE|EXISTS|ON|JOIN)\s+({string.Join('|', tables)})\b", RegexOptions.IgnoreCase);
        var postgres = SourceTree.Combine("src", "Deployer", "Store", "Postgres");
        var offenders = Directory.GetFiles(postgres, "*.cs")
            .Where(f => Path.GetFileName(f) != "PgTables.cs")
            .SelectMany(f => File.ReadAllLines(f).Select((line, i) => (File: Path.GetFileName(f), Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && written.IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}")
            .ToList();

        Assert.True(offenders.Count == 0, "table names written out in SQL (use PgTables): " + string.Join(", ", offenders));
    }
}
