using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store.Postgres;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ChatOpsReconfig.Deployer.Tests.Store.Postgres;

/// <summary>Two bots' leadership over one real PostgreSQL database; both on one fake clock.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PgLeaseTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly TimeSpan Length = TimeSpan.FromSeconds(15);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero));
    private NpgsqlDataSource _source = null!;

    public async Task InitializeAsync()
    {
        _source = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await PgMigrations.ApplyAsync(_source, CancellationToken.None);
    }

    public async Task DisposeAsync() => await _source.DisposeAsync();

    private PgLeadership Bot(string host) => new(new PgLeaderLease(_source, Length / 3), _time, host, Length);

    [Fact]
    public async Task EveryStoreWrite_OfALeaderThatLostItsLease_IsRefused_AndChangesNothing()
    {
        var a = Bot("relengbot1");
        var b = Bot("relengbot2");
        a.Tick();
        // The fence a leader's writes carry is the epoch it held when it last knew it led.
        var held = a.Epoch!.Value;
        var rollouts = new PgRolloutStore(new PgDocuments(_source, _time) { Fence = () => (a.Holder, held) });
        var first = await rollouts.InsertAsync(new ChatOpsReconfig.Deployer.Rollout.RolloutRecord { StartedBy = "alice" }, [], CancellationToken.None);

        // The leader is paused (SIGSTOP) past its lease; the standby takes over.
        _time.Advance(Length + TimeSpan.FromSeconds(1));
        Assert.Equal(LeadershipChange.Acquired, b.Tick());

        await Assert.ThrowsAsync<LeaseLostException>(() => rollouts.InsertAsync(new ChatOpsReconfig.Deployer.Rollout.RolloutRecord { StartedBy = "bob" }, [], CancellationToken.None));
        await Assert.ThrowsAsync<LeaseLostException>(() => ((IRolloutStore)rollouts).SaveHostStateAsync(new ChatOpsReconfig.Deployer.Rollout.HostState { Id = "bm01" }, CancellationToken.None));
        Assert.Equal([first], (await new PgRolloutStore(new PgDocuments(_source, _time)).LatestAsync(10, CancellationToken.None)).Select(r => r.Id));
        Assert.Empty(await new PgRolloutStore(new PgDocuments(_source, _time)).GetHostStatesAsync(CancellationToken.None));

        // The new leader's writes go through.
        var mine = new PgRolloutStore(new PgDocuments(_source, _time) { Fence = () => (b.Holder, b.Epoch!.Value) });
        Assert.Equal(first + 1, await mine.InsertAsync(new ChatOpsReconfig.Deployer.Rollout.RolloutRecord { StartedBy = "carol" }, [], CancellationToken.None));
    }

    [Fact]
    public async Task FirstBotLeads_SecondStandsBy_WhileTheLeaderRenews()
    {
        var a = Bot("relengbot1");
        var b = Bot("relengbot2");

        Assert.Equal(LeadershipChange.Acquired, a.Tick());
        Assert.Equal(LeadershipChange.None, b.Tick());
        for (var i = 0; i < 10; i++)
        {
            _time.Advance(Length / 3);
            Assert.Equal(LeadershipChange.None, a.Tick());
            Assert.Equal(LeadershipChange.None, b.Tick());
        }

        Assert.Equal(1, a.Epoch);
        Assert.False(b.IsLeader);
        var current = new PgLeaderLease(_source, Length / 3).Current();
        Assert.Equal(("relengbot1", 1L, a.Holder), (current!.Host, current.Epoch, current.Holder));
    }

    [Fact]
    public async Task LeaderThatStopsRenewing_IsReplacedAfterTheLease_AndCannotComeBack()
    {
        var a = Bot("relengbot1");
        var b = Bot("relengbot2");
        a.Tick();

        // a is paused (SIGSTOP): no renewals. Just before the lease ends b still stands by; just after, it takes over.
        _time.Advance(Length);
        Assert.Equal(LeadershipChange.None, b.Tick());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(LeadershipChange.Acquired, b.Tick());
        Assert.Equal(2, b.Epoch);

        // a resumes: its renewal is refused, it steps down, and its fenced writes are refused.
        await Assert.ThrowsAsync<LeaseLostException>(() => FencedInsertAsync(a.Holder, 1));
        Assert.Equal(LeadershipChange.Lost, a.Tick());
        Assert.False(a.IsLeader);
        await FencedInsertAsync(b.Holder, 2);
        Assert.Equal(["written by epoch 2"], await ReadWritesAsync());
    }

    [Fact]
    public async Task LeaderPausedPastItsLease_LosesItEvenWhenNobodyTookIt()
    {
        var a = Bot("relengbot1");
        a.Tick();

        _time.Advance(Length + TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<LeaseLostException>(() => FencedInsertAsync(a.Holder, 1));
        Assert.Equal(LeadershipChange.Lost, a.Tick());
        Assert.Equal(LeadershipChange.Acquired, a.Tick()); // and may lead again, one epoch up
        Assert.Equal(2, a.Epoch);
        Assert.Empty(await ReadWritesAsync());
    }

    [Fact]
    public async Task CleanStepDown_LetsTheStandbyLeadAtOnce()
    {
        var a = Bot("relengbot1");
        var b = Bot("relengbot2");
        a.Tick();
        b.Tick();

        a.StepDown();

        Assert.Equal(LeadershipChange.Acquired, b.Tick());
        Assert.Equal(2, b.Epoch);
    }

    [Fact]
    public async Task TakeoverWaitsForAFencedWriteInProgress_AndSeesIt()
    {
        var a = Bot("relengbot1");
        var b = Bot("relengbot2");
        a.Tick();
        await using var connection = await _source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await PgLeaderLease.FenceAsync(connection, tx, a.Holder, 1, _time.GetUtcNow(), CancellationToken.None);
        await InsertAsync(connection, tx, 1);

        // The lease runs out while a's transaction is open: b's takeover must wait for it to end.
        _time.Advance(Length + TimeSpan.FromSeconds(1));
        var takeover = Task.Run(b.Tick); // its own thread, as the lease thread: it blocks on the row lock
        await WaitUntilBlockedOnALockAsync();
        Assert.False(takeover.IsCompleted);
        await tx.CommitAsync();

        Assert.Equal(LeadershipChange.Acquired, await takeover);
        Assert.Equal(["written by epoch 1"], await ReadWritesAsync());
    }

    private async Task FencedInsertAsync(string holder, long epoch)
    {
        await using var connection = await _source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await PgLeaderLease.FenceAsync(connection, tx, holder, epoch, _time.GetUtcNow(), CancellationToken.None);
        await InsertAsync(connection, tx, epoch);
        await tx.CommitAsync();
    }

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, long epoch)
    {
        await using var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS test_writes (what text)", connection, tx);
        await create.ExecuteNonQueryAsync();
        await using var insert = new NpgsqlCommand("INSERT INTO test_writes VALUES (@w)", connection, tx);
        insert.Parameters.AddWithValue("w", $"written by epoch {epoch}");
        await insert.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> ReadWritesAsync()
    {
        await using var command = _source.CreateCommand("SELECT what FROM test_writes WHERE to_regclass('test_writes') IS NOT NULL");
        var found = new List<string>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) found.Add(reader.GetString(0));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // Nothing was ever written.
        }

        return found;
    }

    /// <summary>Until PostgreSQL shows a backend of this database waiting on a lock (the server's own view, not a sleep).</summary>
    private async Task WaitUntilBlockedOnALockAsync()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            await using var command = _source.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
            if ((long)(await command.ExecuteScalarAsync(bound.Token))! > 0) return;
            await Task.Delay(10, bound.Token);
        }
    }
}
