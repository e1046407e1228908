using Npgsql;

namespace ChatOpsReconfig.Bench.Scale;

/// <summary>Throwaway databases for the PostgreSQL runs of the benches.</summary>
internal static class PgBench
{
    /// <summary>Creates an empty database named after <paramref name="prefix"/>; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string admin, string prefix)
    {
        var name = prefix + "_" + Guid.NewGuid().ToString("N")[..8];
        await using var source = NpgsqlDataSource.Create(admin);
        await using var create = source.CreateCommand($"CREATE DATABASE {name}");
        await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    /// <summary>What the database takes on disk (tables, indexes, TOAST), in bytes.</summary>
    public static long DatabaseBytes(string connectionString)
    {
        using var source = NpgsqlDataSource.Create(connectionString);
        using var size = source.CreateCommand("SELECT pg_database_size(current_database())");
        return (long)size.ExecuteScalar()!;
    }
}
