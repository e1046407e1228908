using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Store.Postgres;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using LiteDB;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>
/// A store written by a build that kept <c>Announced</c> flags: what it had not announced becomes announce entries,
/// as that build would have replayed it (every merge; rollouts that ended, not interrupted, within a day), once.
/// Old documents (with the flags) still read.
/// </summary>
public sealed class LiteDbAnnouncedFlagsConversionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-announced-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    private string DbPath => Path.Combine(_dir, "chatops.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Open_SchemaOneStore_UnannouncedMergesAndRecentRolloutsBecomePendingAnnounceEntriesOnce()
    {
        var now = _time.GetUtcNow();
        using (var old = new LiteDatabase(new ConnectionString { Filename = DbPath, Connection = ConnectionType.Direct }))
        {
            old.UserVersion = 1;
            var merges = old.GetCollection("merges", BsonAutoId.Int32);
            merges.Insert(Merge(announced: true));
            merges.Insert(Merge(announced: false));
            merges.Insert(Merge(announced: false));
            var rollouts = old.GetCollection("rollouts", BsonAutoId.Int32);
            rollouts.Insert(Rollout("Succeeded", now.AddHours(-1), announced: true));
            rollouts.Insert(Rollout("Failed", now.AddHours(-1), announced: false));
            rollouts.Insert(Rollout("Succeeded", now.AddDays(-2), announced: false)); // too old: the old build let it go
            rollouts.Insert(Rollout("Interrupted", now.AddHours(-1), announced: false)); // not replayed by the old build
            rollouts.Insert(Rollout("Running", null, announced: false));
            old.GetCollection("outbox", BsonAutoId.Int32).Insert(new BsonDocument
            {
                ["Kind"] = "chat", ["Payload"] = "{}", ["State"] = "Sent", ["Attempts"] = 1, ["CreatedAt"] = now.UtcTicks, ["NextAttemptAt"] = now.UtcTicks,
            });
        }

        for (var open = 0; open < 2; open++)
        {
            using var db = new StoreDatabase(DbPath, time: _time);
            var pending = await new LiteOutboxStore(db, _time).PendingAsync(OutboxKinds.Announce, CancellationToken.None);
            Assert.Equal(["merge:2", "merge:3", "rollout:2"], pending.Select(e => e.Key));
            Assert.Equal([2, 3, 4], pending.Select(e => e.Id));
            Assert.All(pending, e => Assert.Equal(now, e.CreatedAt));

            Assert.Equal("b222", (await new RepoStore(db, _time).GetMergeAsync(2, CancellationToken.None))!.NewHead);
            Assert.Equal(RolloutState.Failed, (await new RolloutStore(db, _time).GetAsync(2, CancellationToken.None))!.State);
        }

        using var reader = new LiteDatabase(new ConnectionString { Filename = DbPath, Connection = ConnectionType.Direct, ReadOnly = true });
        Assert.Equal(StoreDatabase.SchemaVersion, reader.UserVersion);
    }

    private static BsonDocument Merge(bool announced) => new()
    {
        ["Repo"] = "tools", ["Branch"] = "production", ["Kind"] = "Push", ["OldHead"] = "a111", ["NewHead"] = "b222",
        ["Commits"] = new BsonArray(), ["TotalCommits"] = 0, ["Bugs"] = new BsonArray(), ["DetectedAt"] = 0L,
        ["Announced"] = announced, ["Deployed"] = false,
    };

    private static BsonDocument Rollout(string state, DateTimeOffset? finishedAt, bool announced)
    {
        var doc = new BsonDocument { ["State"] = state, ["StartedAt"] = 0L, ["StartedBy"] = "alice", ["Announced"] = announced };
        if (finishedAt is { } f) doc["FinishedAt"] = f.UtcTicks;
        return doc;
    }
}

/// <summary>The same conversion as a PostgreSQL migration, on a database left at schema 2 by the previous build.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PgAnnouncedFlagsConversionTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Migrate_SchemaTwoDatabase_UnannouncedMergesAndRecentRolloutsBecomePendingAnnounceEntriesOnce()
    {
        await using var source = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await using (var setup = source.CreateCommand(
            $"CREATE TABLE chatops_schema (version integer NOT NULL); {PgMigrations.Steps[0]} {PgMigrations.Steps[1]} INSERT INTO chatops_schema VALUES (1), (2);"))
            await setup.ExecuteNonQueryAsync();

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow); // the migration runs on the database's clock
        var now = time.GetUtcNow();
        var docs = new PgDocuments(source, time);
        Merge(docs, 1, announced: true);
        Merge(docs, 2, announced: false);
        Merge(docs, 3, announced: false);
        Rollout(docs, 1, "Succeeded", now.AddHours(-1), announced: true);
        Rollout(docs, 2, "Failed", now.AddHours(-1), announced: false);
        Rollout(docs, 3, "Succeeded", now.AddDays(-2), announced: false);
        Rollout(docs, 4, "Interrupted", now.AddHours(-1), announced: false);
        Rollout(docs, 5, "Running", null, announced: false);
        var outbox = new PgOutboxStore(docs, time);
        await outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.Chat, "{}"), CancellationToken.None);

        Assert.Equal(2, await PgMigrations.ApplyAsync(source, CancellationToken.None));
        Assert.Equal(PgMigrations.Latest, await PgMigrations.ApplyAsync(source, CancellationToken.None));

        var pending = await outbox.PendingAsync(OutboxKinds.Announce, CancellationToken.None);
        Assert.Equal(["merge:2", "merge:3", "rollout:2"], pending.Select(e => e.Key));
        Assert.Equal([2, 3, 4], pending.Select(e => e.Id));
        Assert.All(pending, e => Assert.InRange(e.CreatedAt, now.AddMinutes(-5), now.AddMinutes(5)));
        Assert.Equal(5, (await outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.Chat, "{}"), CancellationToken.None)).Id);
        Assert.Equal("b222", (await new PgRepoStore(docs, time).GetMergeAsync(2, CancellationToken.None))!.NewHead);
        Assert.Equal(RolloutState.Failed, (await new PgRolloutStore(docs, time).GetAsync(2, CancellationToken.None))!.State);
    }

    private static void Merge(PgDocuments docs, int id, bool announced) =>
        docs.Upsert("merges", id.ToString(System.Globalization.CultureInfo.InvariantCulture), new
        {
            Id = id, Repo = "tools", Branch = "production", Kind = "Push", OldHead = "a111", NewHead = "b222", Commits = Array.Empty<object>(),
            TotalCommits = 0, Bugs = Array.Empty<int>(), DetectedAt = DateTimeOffset.UnixEpoch, Announced = announced, AnnouncedAt = (DateTimeOffset?)null, Deployed = false,
        }, id);

    private static void Rollout(PgDocuments docs, int id, string state, DateTimeOffset? finishedAt, bool announced) =>
        docs.Upsert("rollouts", id.ToString(System.Globalization.CultureInfo.InvariantCulture), new
        {
            Id = id, State = state, StartedAt = DateTimeOffset.UnixEpoch, FinishedAt = finishedAt, StartedBy = "alice", Announced = announced,
        }, id);
}
