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

    /// <summary>Step i makes schema version i + 1. Never edit a released step; add one. Names come from <see cref="PgTables"/> and <see cref="StoreCollections"/>, which never change.</summary>
    public static IReadOnlyList<string> Steps { get; } =
    [
        $"""
        CREATE TABLE {PgTables.LeaderLease} (
            id smallint PRIMARY KEY CHECK (id = 1),
            holder text NOT NULL,
            host text NOT NULL,
            epoch bigint NOT NULL,
            acquired_at timestamptz NOT NULL,
            renewed_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL
        );
        """,
        $"""
        CREATE TABLE {PgTables.Documents} (
            collection text NOT NULL,
            id text NOT NULL,
            num bigint NOT NULL DEFAULT 0,
            doc jsonb NOT NULL,
            PRIMARY KEY (collection, id)
        );
        CREATE INDEX documents_num ON {PgTables.Documents} (collection, num);
        CREATE INDEX documents_pending ON {PgTables.Documents} (collection, (doc->>'State'));
        CREATE TABLE {PgTables.Counters} (
            collection text PRIMARY KEY,
            last bigint NOT NULL
        );
        """,
        // Announce entries instead of Announced flags (as StoreDatabase.EnqueueUnannounced): what the flags said was not
        // announced becomes pending outbox entries, merges then rollouts that ended (not interrupted) within a day.
        $"""
        WITH stamp AS (
            SELECT to_jsonb(to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00') AS at,
                   COALESCE((SELECT last FROM {PgTables.Counters} WHERE collection = '{StoreCollections.Outbox}'), 0) AS last
        ), unannounced AS (
            SELECT row_number() OVER (ORDER BY kind, num) AS n, key FROM (
                SELECT 0 AS kind, num, 'merge:' || id AS key FROM {PgTables.Documents}
                WHERE collection = '{StoreCollections.Merges}' AND doc->'Announced' = 'false'::jsonb
                UNION ALL
                SELECT 1, num, 'rollout:' || id FROM {PgTables.Documents}
                WHERE collection = '{StoreCollections.Rollouts}' AND doc->'Announced' = 'false'::jsonb
                  AND doc->>'State' NOT IN ('Running', 'Interrupted')
                  AND (doc->>'FinishedAt')::timestamptz > now() - interval '1 day'
            ) flagged
            WHERE NOT EXISTS (SELECT 1 FROM {PgTables.Documents} o WHERE o.collection = '{StoreCollections.Outbox}' AND o.doc->>'Kind' = 'announce' AND o.doc->>'Key' = flagged.key)
        )
        INSERT INTO {PgTables.Documents} (collection, id, num, doc)
        SELECT '{StoreCollections.Outbox}', (stamp.last + n)::text, stamp.last + n, jsonb_build_object(
            'Id', stamp.last + n, 'Kind', 'announce', 'Key', key, 'Payload', key, 'State', 'Pending', 'Attempts', 0,
            'NextAttemptAt', stamp.at, 'DeliveredAt', NULL, 'LastError', NULL, 'CreatedAt', stamp.at, 'Receipt', NULL)
        FROM unannounced, stamp;
        INSERT INTO {PgTables.Counters} (collection, last)
        SELECT '{StoreCollections.Outbox}', max(num) FROM {PgTables.Documents} WHERE collection = '{StoreCollections.Outbox}' HAVING count(*) > 0
        ON CONFLICT (collection) DO UPDATE SET last = GREATEST({PgTables.Counters}.last, EXCLUDED.last);
        """,
    ];

    public static int Latest => Steps.Count;

    /// <summary>Brings the schema to <see cref="Latest"/>; returns the version found before.</summary>
    public static async Task<int> ApplyAsync(NpgsqlDataSource source, CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, tx, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        await ExecuteAsync(connection, tx, $"CREATE TABLE IF NOT EXISTS {PgTables.Schema} (version integer NOT NULL)", cancellationToken);

        await using var read = new NpgsqlCommand($"SELECT max(version) FROM {PgTables.Schema}", connection, tx);
        var found = await read.ExecuteScalarAsync(cancellationToken) is int v ? v : 0;
        if (found > Latest)
            throw new StoreSchemaException($"the database has schema version {found}, newer than this program's {Latest}: upgrade chatops (an older build must not write to it)");

        for (var version = found + 1; version <= Latest; version++)
        {
            await ExecuteAsync(connection, tx, Steps[version - 1], cancellationToken);
            await using var mark = new NpgsqlCommand($"INSERT INTO {PgTables.Schema} (version) VALUES (@v)", connection, tx);
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
