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
        using var gated = new GatedStore(_store);
        var sut = new StoreWriter(gated, TimeProvider.System);

        var first = Task.Run(() => sut.WriteAsync(new RolloutWrite.SaveHost(Result("h00"))));
        Assert.True(gated.InFirst.Wait(TimeSpan.FromSeconds(10)));
        var queued = Enumerable.Range(1, 20).Select(i => sut.WriteAsync(new RolloutWrite.SaveHost(Result($"h{i:00}")))).ToList();
        Assert.All(queued, t => Assert.False(t.IsCompleted));

        gated.ReleaseFirst.Set();
        await first;
        await Task.WhenAll(queued);

        Assert.Equal(2, gated.Batches);
        Assert.Equal(21, (await new RolloutStore(_db).GetHostsAsync(1, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task WriteAsync_OneWriteOfABatchFails_OnlyThatCallerFailsAndTheOthersAreKept()
    {
        using var gated = new GatedStore(_store) { Refuse = "h02" };
        var sut = new StoreWriter(gated, TimeProvider.System);
        var first = Task.Run(() => sut.WriteAsync(new RolloutWrite.SaveHost(Result("h00"))));
        Assert.True(gated.InFirst.Wait(TimeSpan.FromSeconds(10)));

        var good1 = sut.WriteAsync(new RolloutWrite.SaveHost(Result("h01")));
        var bad = sut.WriteAsync(new RolloutWrite.SaveHost(Result("h02")));
        var good2 = sut.WriteAsync(new RolloutWrite.SaveHost(Result("h03")));
        gated.ReleaseFirst.Set();

        await first;
        await good1;
        await good2;
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => bad);
        Assert.Equal("disk on fire", ex.Message);
        Assert.Equal(["1/h00", "1/h01", "1/h03"], (await _store.GetHostsAsync(1, CancellationToken.None)).Select(r => r.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WriteAsync_HostStateKeepingStoredRevisions_KeepsThemAndChangesTheRest()
    {
        var sut = new StoreWriter(_store, TimeProvider.System);
        var at = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        await sut.WriteAsync(new RolloutWrite.SaveHostState(new HostState { Id = "h01", Revisions = { ["app"] = "abc" }, RevisionsAt = at }));

        await sut.WriteAsync(
        [
            new RolloutWrite.SaveHost(Result("h01")),
            new RolloutWrite.SaveHostState(new HostState { Id = "h01", Revisions = { ["app"] = "?" }, LastOutcome = HostOutcome.Failed }, KeepStoredRevisions: true),
        ]);

        var state = await _store.GetHostStateAsync("h01", CancellationToken.None);
        Assert.Equal("abc", state?.Revisions["app"]);
        Assert.Equal(at, state?.RevisionsAt);
        Assert.Equal(HostOutcome.Failed, state?.LastOutcome);
        Assert.Single(await _store.GetHostsAsync(1, CancellationToken.None));
    }

    [Fact]
    public async Task WriteAsync_StoreUnwritableForAWhile_WaitsAndSavesOnceWritable_NothingLost()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 20, 0, 0, TimeSpan.Zero));
        var store = new UnwritableStore(_store) { Unwritable = true };
        var sut = new StoreWriter(store, time);

        var write = sut.WriteAsync(new RolloutWrite.SaveHost(Result("h01")));
        await store.Refused.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await AdvanceUntilAsync(time, store.Refused.Reader.ReadAsync().AsTask()); // tried again, refused again
        Assert.False(write.IsCompleted);
        Assert.Empty(await _store.GetHostsAsync(1, CancellationToken.None));

        store.Unwritable = false;
        await AdvanceUntilAsync(time, write);
        Assert.Equal(["1/h01"], (await _store.GetHostsAsync(1, CancellationToken.None)).Select(r => r.Id));
    }

    [Fact]
    public async Task WriteAsync_StoreUnwritable_TheRolloutCancelled_TheWaitEndsAndTheWriteFails()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 20, 0, 0, TimeSpan.Zero));
        var store = new UnwritableStore(_store) { Unwritable = true };
        var sut = new StoreWriter(store, time);
        using var cancel = new CancellationTokenSource();

        var write = sut.WriteAsync(new RolloutWrite.SaveHost(Result("h01")), cancel.Token);
        await store.Refused.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();

        await Assert.ThrowsAsync<StoreUnwritableException>(() => write.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(await _store.GetHostsAsync(1, CancellationToken.None));
    }

    /// <summary>Moves the fake clock a retry period at a time until <paramref name="task"/> ends (the retry's timer may not be set yet).</summary>
    private static async Task AdvanceUntilAsync(Microsoft.Extensions.Time.Testing.FakeTimeProvider time, Task task)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!task.IsCompleted)
        {
            bound.Token.ThrowIfCancellationRequested();
            time.Advance(StoreWriter.RetryEvery);
            await Task.WhenAny(task, Task.Delay(10, bound.Token)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        await task;
    }

    private static HostResult Result(string host) => new()
    {
        Id = HostResult.MakeId(1, host), RolloutId = 1, Host = host, Role = "master", Outcome = HostOutcome.Running,
    };

    /// <summary>Refuses every write as a read-only store does while <see cref="Unwritable"/>; says each refusal.</summary>
    private sealed class UnwritableStore(IRolloutStore inner) : DelegatingRolloutStore(inner)
    {
        public volatile bool Unwritable;

        public System.Threading.Channels.Channel<int> Refused { get; } = System.Threading.Channels.Channel.CreateUnbounded<int>();

        public override async Task WriteAsync(IReadOnlyList<RolloutWrite> writes, CancellationToken cancellationToken)
        {
            if (Unwritable)
            {
                Refused.Writer.TryWrite(writes.Count);
                throw new StoreUnwritableException("chatops.db", new StoreWriteProblem("chatops.db", "operation not permitted"));
            }

            await base.WriteAsync(writes, cancellationToken);
        }
    }

    /// <summary>Holds the first batch until released, counts batches, and fails every batch holding <see cref="Refuse"/> (writing none of it).</summary>
    private sealed class GatedStore(IRolloutStore inner) : DelegatingRolloutStore(inner), IDisposable
    {
        private int _batches;

        public ManualResetEventSlim InFirst { get; } = new();

        public ManualResetEventSlim ReleaseFirst { get; } = new();

        public string? Refuse { get; init; }

        public int Batches => _batches;

        public override async Task WriteAsync(IReadOnlyList<RolloutWrite> writes, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _batches) == 1)
            {
                InFirst.Set();
                ReleaseFirst.Wait(TimeSpan.FromSeconds(10), cancellationToken);
            }

            if (writes.Any(w => w is RolloutWrite.SaveHost h && h.Result.Host == Refuse)) throw new InvalidOperationException("disk on fire");
            await base.WriteAsync(writes, cancellationToken);
        }

        public void Dispose()
        {
            InFirst.Dispose();
            ReleaseFirst.Dispose();
        }
    }
}
