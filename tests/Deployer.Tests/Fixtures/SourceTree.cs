namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>Finds the checkout the tests were built from (the directory holding ChatOpsReconfig.sln).</summary>
public static class SourceTree
{
    public static string Root { get; } = Find();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatOpsReconfig.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"no ChatOpsReconfig.sln above {AppContext.BaseDirectory}");
    }
}
