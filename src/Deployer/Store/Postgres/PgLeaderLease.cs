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
/// The calls are synchronous on purpose: they run on a thread of their own (<see cref="LeaseThread"/>), which a busy
/// thread pool cannot hold up; each is bounded by <paramref name="timeout"/>, so a renewal stuck behind a row lock or
/// a slow server is a failed renewal, not a wait past the lease.
/// </summary>
internal sealed class PgLeaderLease(NpgsqlDataSource source, TimeSpan timeout)
{
    /// <summary>
    /// How long one lease statement may take: a fifth of the lease, so that a renewal held up to its limit can be
    /// tried twice more before the lease runs out.
    /// </summary>
    public static TimeSpan StatementTimeout(TimeSpan length) => length / 5;

    /// <summary>One row when the writer (<c>@holder</c>, <c>@epoch</c>) still holds the lease at <c>@now</c>; share-locks it until the transaction ends.</summary>
    public const string FenceSql = $"SELECT 1 FROM {PgTables.LeaderLease} WHERE id = 1 AND holder = @holder AND epoch = @epoch AND expires_at >= @now FOR SHARE";

    /// <summary>Takes the lease when it is free or expired; returns the new epoch, or null when another bot holds it.</summary>
    public long? TryAcquire(string holder, string host, DateTimeOffset now, TimeSpan length)
    {
        const string sql = $"""
            INSERT INTO {PgTables.LeaderLease} AS l (id, holder, host, epoch, acquired_at, renewed_at, expires_at)
            VALUES (1, @holder, @host, 1, @now, @now, @until)
            ON CONFLICT (id) DO UPDATE
                SET holder = @holder, host = @host, epoch = l.epoch + 1, acquired_at = @now, renewed_at = @now, expires_at = @until
                WHERE l.expires_at < @now
            RETURNING epoch
            """;
        using var command = Command(sql);
        Bind(command, holder, now, length).Parameters.AddWithValue("host", host);
        return command.ExecuteScalar() is long epoch ? epoch : null;
    }

    /// <summary>Extends a lease still held; false when it expired or another bot took it (step down).</summary>
    public bool Renew(string holder, long epoch, DateTimeOffset now, TimeSpan length)
    {
        const string sql = $"""
            UPDATE {PgTables.LeaderLease} SET renewed_at = @now, expires_at = @until
            WHERE id = 1 AND holder = @holder AND epoch = @epoch AND expires_at >= @now
            """;
        using var command = Command(sql);
        Bind(command, holder, now, length).Parameters.AddWithValue("epoch", epoch);
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>Gives the lease up at once (a clean shutdown), so a standby need not wait for it to expire.</summary>
    public void Release(string holder, long epoch)
    {
        using var command = Command($"UPDATE {PgTables.LeaderLease} SET expires_at = '-infinity' WHERE id = 1 AND holder = @holder AND epoch = @epoch");
        command.Parameters.AddWithValue("holder", holder);
        command.Parameters.AddWithValue("epoch", epoch);
        command.ExecuteNonQuery();
    }

    public LeaseHolder? Current()
    {
        using var command = Command($"SELECT holder, host, epoch, acquired_at, expires_at FROM {PgTables.LeaderLease} WHERE id = 1");
        using var reader = command.ExecuteReader();
        if (!reader.Read()) return null;
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

    private NpgsqlCommand Command(string sql)
    {
        var command = source.CreateCommand(sql);
        command.CommandTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        return command;
    }

    private static NpgsqlCommand Bind(NpgsqlCommand command, string holder, DateTimeOffset now, TimeSpan length)
    {
        command.Parameters.AddWithValue("holder", holder);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("until", now + length);
        return command;
    }
}
