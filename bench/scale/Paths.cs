namespace ChatOpsReconfig.Bench.Scale;

internal static class Paths
{
    /// <summary>The directory holding ChatOpsReconfig.sln, above the benchmark's binaries.</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ChatOpsReconfig.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ChatOpsReconfig.sln not found above " + AppContext.BaseDirectory);
    }
}
