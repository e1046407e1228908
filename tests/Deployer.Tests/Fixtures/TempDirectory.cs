namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>A directory under the system temp dir, removed on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "chatops-test")
    {
        Path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process a test failed to stop may still hold a file; leaving the directory is harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
