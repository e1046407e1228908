using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Deployer.Tests.Rollout;

/// <summary>
/// <see cref="StoreWriter"/> against a real LiteDB file: writes queued while another is written go in
/// one batch, every write is committed before its task completes, and a bad write fails only its own caller.
/// </summary>
public sealed class StoreWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-storewriter-").FullName;
    private readonly StoreDatabase _db;
    private readonly RolloutStore _store;

    public StoreWriterTests()
    {
        _db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        _store = new RolloutStore(_db);
    }

    public void Dispose()
    {
        _db.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task WriteAsync_WhileAWriteIsInProgress_QueuedWritesGoInOneBatchAndAreCommittedWhenTheyComplete()
    {
        var counting = new CountingStore(_store);
        var sut = new StoreWriter(counting);
        using var inFirst = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();

        var first = Task.Run(() => sut.WriteAsync(s =>
        {
            inFirst.Set();
            releaseFirst.Wait(TimeSpan.FromSeconds(10));
            s.SaveHost(Result("h00"));
        }));
        Assert.True(inFirst.Wait(TimeSpan.FromSeconds(10)));
        var queued = Enumerable.Range(1, 20).Select(i => sut.WriteAsync(s => s.SaveHost(Result($"h{i:00}")))).ToList();
        Assert.All(queued, t => Assert.False(t.IsCompleted));

        releaseFirst.Set();
        await first;
        await Task.WhenAll(queued);

        Assert.Equal(2, counting.Batches);
        Assert.Equal(21, new RolloutStore(_db).GetHosts(1).Count);
    }

    [Fact]
    public async Task WriteAsync_OneWriteOfABatchThrows_OnlyThatCallerFailsAndTheOthersAreKept()
    {
        var sut = new StoreWriter(_store);
        using var inFirst = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();
        var first = Task.Run(() => sut.WriteAsync(s =>
        {
            inFirst.Set();
            releaseFirst.Wait(TimeSpan.FromSeconds(10));
            s.SaveHost(Result("h00"));
        }));
        Assert.True(inFirst.Wait(TimeSpan.FromSeconds(10)));

        var good1 = sut.WriteAsync(s => s.SaveHost(Result("h01")));
        var bad = sut.WriteAsync(s =>
        {
            s.SaveHost(Result("h02"));
            throw new InvalidOperationException("disk on fire");
        });
        var good2 = sut.WriteAsync(s => s.SaveHost(Result("h03")));
        releaseFirst.Set();

        await first;
        await good1;
        await good2;
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        Assert.Equal("disk on fire", ex.Message);
        Assert.Equal(["1/h00", "1/h01", "1/h03"], _store.GetHosts(1).Select(r => r.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Write_AfterQueuedWrites_SeesThemAndIsVisibleAtOnce()
    {
        var sut = new StoreWriter(_store);
        await sut.WriteAsync(s => s.SaveHost(Result("h01")));

        sut.Write(s => s.SaveHostState(new HostState { Id = "h01", LastRolloutId = s.GetHosts(1).Count }));

        Assert.Equal(1, _store.GetHostState("h01")?.LastRolloutId);
    }

    private static HostResult Result(string host) => new()
    {
        Id = HostResult.MakeId(1, host), RolloutId = 1, Host = host, Role = "master", Outcome = HostOutcome.Running,
    };

    private sealed class CountingStore(IRolloutStore inner) : DelegatingRolloutStore(inner)
    {
        private int _batches;

        public int Batches => _batches;

        public override void Batch(Action work)
        {
            Interlocked.Increment(ref _batches);
            base.Batch(work);
        }
    }
}
