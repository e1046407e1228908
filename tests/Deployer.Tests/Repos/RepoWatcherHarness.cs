using System.Threading.Channels;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Repos;

/// <summary>
/// What a watcher test owns: a temp directory with an upstream repo and the data dir, a fake clock, a LiteDB file
/// that outlives watchers (so <see cref="CreateSut"/> again is a restart) and the captured events.
/// </summary>
internal sealed class RepoWatcherHarness : IDisposable
{
    public const string Repo = "app";

    private readonly string _root = Directory.CreateTempSubdirectory("chatops-repos-").FullName;
    private readonly DeployerEvents _events = new();
    private readonly ChannelReader<DeployerEvent> _reader;
    private StoreDatabase? _db;
    private RepoWatcher? _watcher;

    public RepoWatcherHarness(RepoKind kind, UpstreamTemplates? templates = null)
    {
        _reader = _events.Subscribe();
        Upstream = Upstream.Create(kind, Path.Combine(_root, "remote"), templates);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public Upstream Upstream { get; }

    public RepoStore Store { get; private set; } = null!; // set by CreateSut before any test touches it.

    public string Root => _root;

    public string MirrorPath => Path.Combine(DataDir, "mirrors", Repo);

    private string DataDir => Path.Combine(_root, "data");

    public RepoWatcher CreateSut(RepoWatcherOptions? options = null, RepoConfig? repo = null)
    {
        // Like a restart: the previous watcher and store are gone, the LiteDB file and the mirrors stay.
        Stop();
        _db = new StoreDatabase(Path.Combine(DataDir, "chatops.db"));
        Store = new RepoStore(_db, Time);
        var fleet = new FleetConfig { DataDir = DataDir, Repos = new(StringComparer.Ordinal) { [Repo] = repo ?? Upstream.Config } };
        _watcher = new RepoWatcher(fleet, Store, _events, Time, NullLogger<RepoWatcher>.Instance, options ?? new RepoWatcherOptions());
        return _watcher;
    }

    /// <summary>The bot goes down: watcher and store closed.</summary>
    public void Stop()
    {
        _watcher?.Dispose();
        _db?.Dispose();
        _watcher = null;
        _db = null;
    }

    public List<DeployerEvent> Drain()
    {
        var events = new List<DeployerEvent>();
        while (_reader.TryRead(out var e)) events.Add(e);
        return events;
    }

    /// <summary>What the bot does with every merge it posts; returns the merges.</summary>
    public async Task<List<Merge>> AnnounceAsync()
    {
        var merges = Drain().OfType<MergeDetected>().Select(e => e.Merge).ToList();
        foreach (var m in merges) Assert.True(await Store.MarkAnnouncedAsync(m.Id, CancellationToken.None));
        return merges;
    }

    public void Dispose()
    {
        Stop();
        Directory.Delete(_root, recursive: true);
    }
}
