using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Store.Postgres;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using Npgsql;

namespace ChatOpsReconfig.Deployer.Tests.Store.Contract;

/// <summary>The store contract on the embedded LiteDB store.</summary>
public sealed class LiteDbStoreContractTests : StoreContract, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "contract-" + Guid.NewGuid().ToString("N")[..8]);
    private StoreDatabase? _db;

    private protected override Task<StoresUnderTest> CreateAsync() => Task.FromResult(Open());

    private protected override Task<StoresUnderTest> ReopenAsync()
    {
        _db?.Dispose();
        return Task.FromResult(Open());
    }

    private StoresUnderTest Open()
    {
        _db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        var audit = new AuditLog(_db);
        return new StoresUnderTest(
            new RolloutStore(_db, Time), new RepoStore(_db, Time), new LockStore(_db), new FreezeStore(_db), new PolicyStateStore(_db),
            new LiveEstimateStore(_db), audit, new DoorLog(_db), new LiteOutboxStore(_db, Time), new LiteBugRecords(_db, Time),
            new RolloutRetention(_db, new StoreOptions { KeepRolloutDetail = KeepRolloutDetail }));
    }

    public void Dispose()
    {
        _db?.Dispose();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}

/// <summary>The store contract on a real PostgreSQL (a database of its own per test).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreContractTests(PostgresFixture pg) : StoreContract
{
    private NpgsqlDataSource? _source;

    private protected override async Task<StoresUnderTest> CreateAsync()
    {
        _source = NpgsqlDataSource.Create(await pg.CreateDatabaseAsync());
        await PgMigrations.ApplyAsync(_source, CancellationToken.None);
        return Open();
    }

    private protected override Task<StoresUnderTest> ReopenAsync() => Task.FromResult(Open());

    private StoresUnderTest Open()
    {
        var docs = new PgDocuments(_source!, Time);
        return new StoresUnderTest(
            new PgRolloutStore(docs, Time), new PgRepoStore(docs, Time), new PgLockStore(docs), new PgFreezeStore(docs), new PgPolicyStateStore(docs),
            new PgLiveEstimateStore(docs), new PgAuditLog(docs), new PgDoorLog(docs), new PgOutboxStore(docs, Time), new PgBugRecords(docs, Time),
            new PgRolloutRetention(docs, new StoreOptions { KeepRolloutDetail = KeepRolloutDetail }));
    }

    public override async Task DisposeAsync()
    {
        if (_source is not null) await _source.DisposeAsync();
    }
}
