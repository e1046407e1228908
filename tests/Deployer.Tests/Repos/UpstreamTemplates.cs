using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Tests.Repos;

/// <summary>
/// One prepared upstream (with its working clone and first commit) per kind of repo, built by the first test that asks
/// and copied by every test after it in the same test run: creating an hg repository costs several slow hg start-ups,
/// and a template per test class built the same repository again for each class.
/// </summary>
public sealed class UpstreamTemplates
{
    /// <summary>The test run's templates. Left in TMPDIR, like BotHarness's demo template: no test knows it is the last.</summary>
    public static UpstreamTemplates Shared { get; } = new();

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<RepoKind, (string Dir, string Rev)> _built = [];
    private string? _root;

    private UpstreamTemplates()
    {
    }

    public async Task<(string Dir, string Rev)> GetAsync(RepoKind kind)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_built.TryGetValue(kind, out var built))
            {
                _root ??= Directory.CreateTempSubdirectory("chatops-templates-").FullName;
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
}
