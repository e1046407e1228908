using Npgsql;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>The lease as stored: who leads, from which machine, since when, until when, and its epoch.</summary>
public sealed record LeaseHolder(string Holder, string Host, long Epoch, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);

/// <summary>A write was refused because its writer no longer holds the lease it carries.</summary>
public sealed class LeaseLostException(string message) : Exception(message);

/// <summary>
/// Leadership among bots sharing one PostgreSQL store: one row, taken when it has expired (or was released), each
/// taking one epoch higher, and kept by renewing it before it expires. Times come from the caller's clock, so all
/// bots are assumed to keep time (NTP) far closer than the lease length. A leader that could not renew in time —
/// paused, cut off — has lost the lease even when nobody took it yet: its renewals and fenced writes are refused.
/// </summary>
internal sealed class PgLeaderLease(NpgsqlDataSource source)
{
    /// <summary>One row when the writer (<c>@holder</c>, <c>@epoch</c>) still holds the lease at <c>@now</c>; share-locks it until the transaction ends.</summary>
    public const string FenceSql = $"SELECT 1 FROM {PgTables.LeaderLease} WHERE id = 1 AND holder = @holder AND epoch = @epoch AND expires_at >= @now FOR SHARE";

    /// <summary>Takes the lease when it is free or expired; returns the new epoch, or null when another bot holds it.</summary>
    public async Task<long?> TryAcquireAsync(string holder, string host, DateTimeOffset now, TimeSpan length, CancellationToken cancellationToken)
    {
        const string sql = $"""
            INSERT INTO {PgTables.LeaderLease} AS l (id, holder, host, epoch, acquired_at, renewed_at, expires_at)
            VALUES (1, @holder, @host, 1, @now, @now, @until)
            ON CONFLICT (id) DO UPDATE
                SET holder = @holder, host = @host, epoch = l.epoch + 1, acquired_at = @now, renewed_at = @now, expires_at = @until
                WHERE l.expires_at < @now
            RETURNING epoch
            """;
        await using var command = source.CreateCommand(sql);
        Bind(command, holder, now, length).Parameters.AddWithValue("host", host);
        return await command.ExecuteScalarAsync(cancellationToken) is long epoch ? epoch : null;
    }

    /// <summary>Extends a lease still held; false when it expired or another bot took it (step down).</summary>
    public async Task<bool> RenewAsync(string holder, long epoch, DateTimeOffset now, TimeSpan length, CancellationToken cancellationToken)
    {
        const string sql = $"""
            UPDATE {PgTables.LeaderLease} SET renewed_at = @now, expires_at = @until
            WHERE id = 1 AND holder = @holder AND epoch = @epoch AND expires_at >= @now
            """;
        await using var command = source.CreateCommand(sql);
        Bind(command, holder, now, length).Parameters.AddWithValue("epoch", epoch);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Gives the lease up at once (a clean shutdown), so a standby need not wait for it to expire.</summary>
    public async Task ReleaseAsync(string holder, long epoch, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand($"UPDATE {PgTables.LeaderLease} SET expires_at = '-infinity' WHERE id = 1 AND holder = @holder AND epoch = @epoch");
        command.Parameters.AddWithValue("holder", holder);
        command.Parameters.AddWithValue("epoch", epoch);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<LeaseHolder?> CurrentAsync(CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand($"SELECT holder, host, epoch, acquired_at, expires_at FROM {PgTables.LeaderLease} WHERE id = 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new LeaseHolder(reader.GetString(0), reader.GetString(1), reader.GetInt64(2),
            reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4));
    }

    /// <summary>
    /// Call first inside every transaction that acts: refuses it unless this writer still holds the lease, and keeps
    /// the lease row share-locked until the transaction ends, so a takeover waits for the write to be committed or
    /// rolled back — never both a write and a takeover that did not see it.
    /// </summary>
    public static async Task FenceAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string holder, long epoch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(FenceSql, connection, tx);
        command.Parameters.AddWithValue("holder", holder);
        command.Parameters.AddWithValue("epoch", epoch);
        command.Parameters.AddWithValue("now", now);
        if (await command.ExecuteScalarAsync(cancellationToken) is null)
            throw new LeaseLostException($"write refused: this bot no longer holds the leader lease (epoch {epoch})");
    }

    private static NpgsqlCommand Bind(NpgsqlCommand command, string holder, DateTimeOffset now, TimeSpan length)
    {
        command.Parameters.AddWithValue("holder", holder);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("until", now + length);
        return command;
    }
}
