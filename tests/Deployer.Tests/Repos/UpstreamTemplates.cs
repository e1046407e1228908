using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Tests.Repos;

/// <summary>
/// One prepared upstream (with its working clone and first commit) per kind of repo, built on first use and copied
/// by each test: a test class fixture, because creating an hg repository costs several slow hg start-ups.
/// </summary>
public sealed class UpstreamTemplates : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("chatops-templates-").FullName;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<RepoKind, (string Dir, string Rev)> _built = [];

    public async Task<(string Dir, string Rev)> GetAsync(RepoKind kind)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_built.TryGetValue(kind, out var built))
            {
                var dir = Path.Combine(_root, kind.ToString());
                var rev = await Upstream.Create(kind, dir).InitAsync();
                _built[kind] = built = (dir, rev);
            }

            return built;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
