using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Store.Postgres;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChatOpsReconfig.Bot.Tests.Hosting;

/// <summary>Runs alone: its test starves this process's thread pool, which would stall any test beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LeaderLeaseCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "leader-lease-alone";
}

/// <summary>
/// The bot's lease loop (<see cref="LeaderServices"/>) on a real PostgreSQL store, in the situation that cost a live
/// leader its lease on a loaded machine: every thread-pool thread busy (blocking work, as synchronous store calls and
/// SSH connects are). The renewals must go on regardless, so the standby never takes over from a leader that is alive.
/// </summary>
[Collection(LeaderLeaseCollection.Name)]
public sealed class LeaderLeaseTests(PostgresFixture pg)
{
    private static readonly TimeSpan Length = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Leader_KeepsRenewing_WhileTheThreadPoolIsStarved()
    {
        await using var source = NpgsqlDataSource.Create(await pg.CreateDatabaseAsync());
        await PgMigrations.ApplyAsync(source, CancellationToken.None);
        var time = TimeProvider.System; // the starvation is real, so is the clock
        var leadership = new PgLeadership(new PgLeaderLease(source, PgLeaderLease.StatementTimeout(Length)), time, "bot-a", Length);
        var state = new LeaderState("bot-a", shared: true, time.GetUtcNow(), time);
        var lifetime = new RecordingLifetime();
        using var services = new ServiceCollection().BuildServiceProvider();
        var leader = new LeaderServices(services, [], leadership, new PgDocuments(source, time), state, time, lifetime, NullLogger<LeaderServices>.Instance);

        // Opened before the pool is starved; read synchronously, so the watching needs no pool thread either.
        using var watcher = source.OpenConnection();
        // Every renewal signals the watcher (LISTEN/NOTIFY), so the test waits on the renewals themselves, not a clock.
        using (var notify = new NpgsqlCommand($"""
            CREATE FUNCTION lease_renewed() RETURNS trigger AS $$ BEGIN PERFORM pg_notify('lease', NEW.renewed_at::text); RETURN NEW; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER lease_renewed AFTER UPDATE ON {PgTables.LeaderLease} FOR EACH ROW EXECUTE FUNCTION lease_renewed();
            LISTEN lease;
            """, watcher))
        {
            notify.ExecuteNonQuery();
        }

        await leader.StartAsync(CancellationToken.None);
        Assert.True(SpinWait.SpinUntil(() => state.IsLeader, TimeSpan.FromSeconds(30)), "bot-a never took the free lease");

        var gate = new ManualResetEventSlim(); // not disposed: work items still queued when the test ends wait on it, then return
        var renewals = new List<DateTimeOffset>();
        try
        {
            // Far more blocked work items than the pool will add threads for while the test watches.
            for (var i = 0; i < 2000; i++) ThreadPool.QueueUserWorkItem(_ => gate.Wait());
            var first = RenewedAt(watcher);
            renewals.Add(first);

            // Two renewals after the pool was starved (one every third of the lease); the bound only ends a failing run.
            var deadline = time.GetTimestamp() + (long)(3 * Length.TotalSeconds * time.TimestampFrequency);
            while (renewals.Count < 3 && time.GetTimestamp() < deadline && lifetime.StopRequests == 0)
            {
                if (watcher.Wait(TimeSpan.FromSeconds(1)) && RenewedAt(watcher) is var at && at != renewals[^1]) renewals.Add(at);
            }

            Assert.True(renewals.Count == 3, $"renewals seen while the pool was starved: {string.Join(", ", renewals.Skip(1).Select(r => r.ToString("HH:mm:ss.fff")))}; lifetime stop requests: {lifetime.StopRequests}");
            Assert.True(state.MayAct, "the leader no longer counts itself as holding the lease");
        }
        finally
        {
            gate.Set();
        }

        Assert.Equal(0, lifetime.StopRequests);
        await leader.StopAsync(CancellationToken.None);
        Assert.Null(RenewedAt(watcher, expired: false)); // a clean stop hands the lease back
    }

    [Fact]
    public async Task Leader_ARenewalHeldUpPastItsTimeLimit_IsTriedAgainInTime_AndTheLeaseIsKept()
    {
        await using var source = NpgsqlDataSource.Create(await pg.CreateDatabaseAsync());
        await PgMigrations.ApplyAsync(source, CancellationToken.None);
        var time = TimeProvider.System; // the lock wait and the statement's time limit are PostgreSQL's, on the real clock
        var leadership = new PgLeadership(new PgLeaderLease(source, PgLeaderLease.StatementTimeout(Length)), time, "bot-a", Length);
        var state = new LeaderState("bot-a", shared: true, time.GetUtcNow(), time);
        var lifetime = new RecordingLifetime();
        using var services = new ServiceCollection().BuildServiceProvider();
        var leader = new LeaderServices(services, [], leadership, new PgDocuments(source, time), state, time, lifetime, NullLogger<LeaderServices>.Instance);
        await leader.StartAsync(CancellationToken.None);
        Assert.True(SpinWait.SpinUntil(() => state.IsLeader, TimeSpan.FromSeconds(30)), "bot-a never took the free lease");

        // A write of this bot in flight holds the lease row (the fence's FOR SHARE) as long as it runs: renewals wait.
        using var blocker = source.OpenConnection();
        using var tx = blocker.BeginTransaction();
        using (var hold = new NpgsqlCommand($"SELECT 1 FROM {PgTables.LeaderLease} WHERE id = 1 FOR SHARE", blocker, tx)) hold.ExecuteScalar();

        // Held until a renewal has run into its time limit and a second one is waiting: the first attempt gives up,
        // and the lease must still be renewed once the write ends.
        using var watcher = source.OpenConnection();
        var attempts = new HashSet<DateTime>();
        var deadline = time.GetTimestamp() + (long)(2 * Length.TotalSeconds * time.TimestampFrequency);
        while (attempts.Count < 2 && time.GetTimestamp() < deadline && lifetime.StopRequests == 0)
        {
            SpinWait.SpinUntil(() => WaitingRenewal(watcher) is { } at && attempts.Add(at), TimeSpan.FromSeconds(1));
        }

        var held = RenewedAt(watcher);
        tx.Commit();
        Assert.True(attempts.Count == 2, $"renewal attempts seen waiting: {attempts.Count}; lifetime stop requests: {lifetime.StopRequests}");

        Assert.True(SpinWait.SpinUntil(() => RenewedAt(watcher) != held || lifetime.StopRequests > 0, Length), "no renewal after the write ended");
        Assert.Equal(0, lifetime.StopRequests);
        Assert.True(state.MayAct, "the leader no longer counts itself as holding the lease");
        await leader.StopAsync(CancellationToken.None);
    }

    /// <summary>When the lease renewal now waiting on the lease row's lock started, if one is.</summary>
    private static DateTime? WaitingRenewal(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand(
            $"SELECT query_start FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE {PgTables.LeaderLease} SET renewed_at%' LIMIT 1",
            connection);
        return command.ExecuteScalar() is DateTime at ? at : null;
    }

    /// <summary>The stored lease's last renewal; with <paramref name="expired"/> false, null when it is no longer valid.</summary>
    private static DateTimeOffset? RenewedAt(NpgsqlConnection connection, bool expired)
    {
        using var command = new NpgsqlCommand($"SELECT renewed_at FROM {PgTables.LeaderLease} WHERE id = 1 AND (@expired OR expires_at > now())", connection);
        command.Parameters.AddWithValue("expired", expired);
        return command.ExecuteScalar() is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    private static DateTimeOffset RenewedAt(NpgsqlConnection connection) => RenewedAt(connection, expired: true) ?? throw new InvalidOperationException("no lease row");

    private sealed class RecordingLifetime : IHostApplicationLifetime
    {
        private int _stopRequests;

        public int StopRequests => Volatile.Read(ref _stopRequests);

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => Interlocked.Increment(ref _stopRequests);
    }
}
