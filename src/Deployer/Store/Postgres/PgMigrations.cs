using Npgsql;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>
/// The PostgreSQL store's schema, as numbered steps applied in order at start. Two bots starting at once take turns
/// (a transaction-scoped advisory lock), so each step runs once. A database whose schema is newer than this program
/// is refused: an older bot must not write into a shape it does not know.
/// </summary>
internal static class PgMigrations
{
    /// <summary>Arbitrary, fixed: the advisory lock key the migrations take ('chatops' in ASCII).</summary>
    private const long LockKey = 0x63686174_6F7073;

    /// <summary>Step i makes schema version i + 1. Never edit a released step; add one.</summary>
    public static IReadOnlyList<string> Steps { get; } =
    [
        """
        CREATE TABLE leader_lease (
            id smallint PRIMARY KEY CHECK (id = 1),
            holder text NOT NULL,
            host text NOT NULL,
            epoch bigint NOT NULL,
            acquired_at timestamptz NOT NULL,
            renewed_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL
        );
        """,
        """
        CREATE TABLE documents (
            collection text NOT NULL,
            id text NOT NULL,
            num bigint NOT NULL DEFAULT 0,
            doc jsonb NOT NULL,
            PRIMARY KEY (collection, id)
        );
        CREATE INDEX documents_num ON documents (collection, num);
        CREATE INDEX documents_pending ON documents (collection, (doc->>'State'));
        CREATE TABLE counters (
            collection text PRIMARY KEY,
            last bigint NOT NULL
        );
        """,
    ];

    public static int Latest => Steps.Count;

    /// <summary>Brings the schema to <see cref="Latest"/>; returns the version found before.</summary>
    public static async Task<int> ApplyAsync(NpgsqlDataSource source, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, tx, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        await ExecuteAsync(connection, tx, "CREATE TABLE IF NOT EXISTS chatops_schema (version integer NOT NULL)", cancellationToken);

        await using var read = new NpgsqlCommand("SELECT max(version) FROM chatops_schema", connection, tx);
        var found = await read.ExecuteScalarAsync(cancellationToken) is int v ? v : 0;
        if (found > Latest)
            throw new StoreSchemaException($"the database has schema version {found}, newer than this program's {Latest}: upgrade chatops (an older build must not write to it)");

        for (var version = found + 1; version <= Latest; version++)
        {
            await ExecuteAsync(connection, tx, Steps[version - 1], cancellationToken);
            await using var mark = new NpgsqlCommand("INSERT INTO chatops_schema (version) VALUES (@v)", connection, tx);
            mark.Parameters.AddWithValue("v", version);
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return found;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>The store's schema cannot be used by this program.</summary>
public sealed class StoreSchemaException(string message) : Exception(message);
