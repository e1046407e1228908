using System.Threading.Channels;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Outbox;
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

    public LiteOutboxStore Outbox { get; private set; } = null!; // likewise.

    public string Root => _root;

    public string MirrorPath => Path.Combine(DataDir, "mirrors", Repo);

    private string DataDir => Path.Combine(_root, "data");

    public RepoWatcher CreateSut(RepoWatcherOptions? options = null, RepoConfig? repo = null)
    {
        // Like a restart: the previous watcher and store are gone, the LiteDB file and the mirrors stay.
        Stop();
        _db = new StoreDatabase(Path.Combine(DataDir, "chatops.db"));
        Store = new RepoStore(_db, Time);
        Outbox = new LiteOutboxStore(_db, Time);
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

    /// <summary>What the bot does with every merge it posts (completes its announce entry); returns the merges.</summary>
    public async Task<List<Merge>> AnnounceAsync()
    {
        var merges = Drain().OfType<MergeDetected>().Select(e => e.Merge).ToList();
        foreach (var m in merges) Assert.True(await CompleteAsync(m));
        return merges;
    }

    /// <summary>Completes the announce entry of <paramref name="merge"/>; false when it was completed already.</summary>
    public async Task<bool> CompleteAsync(Merge merge)
    {
        var entry = (await Outbox.FindAsync(OutboxKinds.Announce, AnnounceEntries.Merge(merge.Id).Key!, CancellationToken.None))!;
        return await Outbox.CompleteAsync(entry.Id, [], Time.GetUtcNow(), CancellationToken.None);
    }

    /// <summary>What the bot does at start before the watcher runs: publishes the events still to be announced.</summary>
    public Task<int> ReplayAsync() =>
        new PendingAnnouncements(Outbox, Store, new RolloutStore(_db!), _events, NullLogger<PendingAnnouncements>.Instance)
            .ReplayAsync(CancellationToken.None);

    public void Dispose()
    {
        Stop();
        Directory.Delete(_root, recursive: true);
    }
}
