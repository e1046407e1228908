using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>LiteDB stays behind the store's interfaces: only src/Deployer/Store/ may name it.</summary>
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
}
