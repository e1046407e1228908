using ChatOpsReconfig.Deployer.Store.Postgres;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using Npgsql;

namespace ChatOpsReconfig.Deployer.Tests.Store.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PgMigrationsTests(PostgresFixture postgres)
{
    [Fact]
    public async Task FreshDatabase_GetsEveryStepOnce_TwoBotsStartingTogetherIncluded()
    {
        await using var source = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());

        var found = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PgMigrations.ApplyAsync(source, CancellationToken.None)));
        var again = await PgMigrations.ApplyAsync(source, CancellationToken.None);

        Assert.Equal(1, found.Count(v => v == 0)); // one of the four did the work; the others found it done
        Assert.All(found.Where(v => v != 0), v => Assert.Equal(PgMigrations.Latest, v));
        Assert.Equal(PgMigrations.Latest, again);
        await using var versions = source.CreateCommand("SELECT array_agg(version ORDER BY version) FROM chatops_schema");
        Assert.Equal(Enumerable.Range(1, PgMigrations.Latest).ToArray(), (int[])(await versions.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task NewerDatabase_IsRefusedAndLeftAlone()
    {
        await using var source = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await PgMigrations.ApplyAsync(source, CancellationToken.None);
        await using (var newer = source.CreateCommand($"INSERT INTO chatops_schema VALUES ({PgMigrations.Latest + 1})"))
            await newer.ExecuteNonQueryAsync();

        var refused = await Assert.ThrowsAsync<StoreSchemaException>(() => PgMigrations.ApplyAsync(source, CancellationToken.None));

        Assert.Equal($"the database has schema version {PgMigrations.Latest + 1}, newer than this program's {PgMigrations.Latest}: upgrade chatops (an older build must not write to it)", refused.Message);
        await using var count = source.CreateCommand("SELECT count(*) FROM chatops_schema");
        Assert.Equal(PgMigrations.Latest + 1, (long)(await count.ExecuteScalarAsync())!);
    }
}
