using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Npgsql;
using NpgsqlTypes;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>
/// The PostgreSQL store's documents: one row per record in table <see cref="PgTables.Documents"/> (collection, id, a number to order
/// by, the record as JSON), with the same collection names and field names as the LiteDB store, so each feature store
/// reads like its LiteDB twin. Every write is one transaction; a bot that shares the database with another carries
/// its lease in <see cref="Fence"/>, and every write it makes is refused once it no longer leads.
/// </summary>
internal sealed class PgDocuments(NpgsqlDataSource source, TimeProvider time)
{
    /// <summary>Field names as the records spell them (as LiteDB keeps them); enums by name, as LiteDB does.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        Converters = { new JsonStringEnumConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LegacyFields.Apply } },
    };

    private readonly AsyncLocal<Transaction?> _current = new();

    /// <summary>The lease this bot's writes carry; null when it shares the database with nobody (no fencing).</summary>
    public Func<(string Holder, long Epoch)?> Fence { get; set; } = () => null;

    public T? Get<T>(string collection, string id) where T : class =>
        Read<T>($"SELECT doc FROM {PgTables.Documents} WHERE collection = @c AND id = @id", collection, ("id", id)).FirstOrDefault();

    /// <summary>
    /// The documents of <paramref name="collection"/> matching <paramref name="where"/> (SQL over <c>doc</c>, <c>num</c>
    /// and <c>id</c>, with named parameters), ordered by <paramref name="orderBy"/>.
    /// </summary>
    public IReadOnlyList<T> Find<T>(string collection, string? where = null, string orderBy = "num", int? limit = null, params (string Name, object Value)[] parameters) =>
        Read<T>($"SELECT doc FROM {PgTables.Documents} WHERE collection = @c{(where is null ? "" : $" AND ({where})")} ORDER BY {orderBy}{(limit is { } l ? $" LIMIT {l}" : "")}", collection, parameters);

    public long Count(string collection, string? where = null, params (string Name, object Value)[] parameters) =>
        Scalar<long>($"SELECT count(*) FROM {PgTables.Documents} WHERE collection = @c{(where is null ? "" : $" AND ({where})")}", collection, parameters);

    /// <summary>Saves <paramref name="doc"/> under <paramref name="id"/>, replacing what was there.</summary>
    public void Upsert<T>(string collection, string id, T doc, long num = 0) =>
        Write(tx => tx.Execute(
            $"INSERT INTO {PgTables.Documents} (collection, id, num, doc) VALUES (@c, @id, @num, @doc) ON CONFLICT (collection, id) DO UPDATE SET num = @num, doc = @doc",
            collection, ("id", id), ("num", num), ("doc", Document(doc))));

    public bool Delete(string collection, string id) =>
        Write(tx => tx.Execute($"DELETE FROM {PgTables.Documents} WHERE collection = @c AND id = @id", collection, ("id", id)) > 0);

    /// <summary>The next number of <paramref name="collection"/>'s own sequence (1, 2, …), inside the caller's write.</summary>
    public int NextId(string collection) =>
        Write(tx => checked((int)tx.Scalar<long>(
            $"INSERT INTO {PgTables.Counters} (collection, last) VALUES (@c, 1) ON CONFLICT (collection) DO UPDATE SET last = {PgTables.Counters}.last + 1 RETURNING last",
            collection)));

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction (joining the caller's, if any), after checking the lease when
    /// this bot carries one: a bot that lost it must not change anything.
    /// </summary>
    public T Write<T>(Func<Transaction, T> work)
    {
        if (_current.Value is { } outer) return work(outer);
        using var connection = source.OpenConnection();
        using var npgsqlTx = connection.BeginTransaction();
        var tx = new Transaction(connection, npgsqlTx);
        _current.Value = tx;
        try
        {
            if (Fence() is { } lease)
            {
                if (tx.Scalar<int?>(
                        PgLeaderLease.FenceSql, null,
                        ("holder", lease.Holder), ("epoch", lease.Epoch), ("now", time.GetUtcNow())) is null)
                {
                    throw new LeaseLostException($"write refused: this bot no longer holds the leader lease (epoch {lease.Epoch})");
                }
            }

            var result = work(tx);
            npgsqlTx.Commit();
            return result;
        }
        finally
        {
            _current.Value = null;
        }
    }

    public void Write(Action<Transaction> work) => Write(tx =>
    {
        work(tx);
        return 0;
    });

    private IReadOnlyList<T> Read<T>(string sql, string? collection, params (string Name, object Value)[] parameters)
    {
        if (_current.Value is { } tx) return tx.Read<T>(sql, collection, parameters);
        using var connection = source.OpenConnection();
        return new Transaction(connection, null).Read<T>(sql, collection, parameters);
    }

    private T Scalar<T>(string sql, string? collection, params (string Name, object Value)[] parameters)
    {
        if (_current.Value is { } tx) return tx.Scalar<T>(sql, collection, parameters);
        using var connection = source.OpenConnection();
        return new Transaction(connection, null).Scalar<T>(sql, collection, parameters);
    }

    private static NpgsqlParameter Document<T>(T doc) =>
        new() { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = JsonSerializer.Serialize(doc, Json) };

    /// <summary>One open transaction (or, for reads outside one, a plain connection).</summary>
    internal sealed class Transaction(NpgsqlConnection connection, NpgsqlTransaction? tx)
    {
        public int Execute(string sql, string? collection, params (string Name, object Value)[] parameters)
        {
            using var command = Command(sql, collection, parameters);
            return command.ExecuteNonQuery();
        }

        public T Scalar<T>(string sql, string? collection, params (string Name, object Value)[] parameters)
        {
            using var command = Command(sql, collection, parameters);
            var value = command.ExecuteScalar();
            return value is null or DBNull ? default! : (T)Convert.ChangeType(value, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
        }

        public IReadOnlyList<T> Read<T>(string sql, string? collection, params (string Name, object Value)[] parameters)
        {
            using var command = Command(sql, collection, parameters);
            using var reader = command.ExecuteReader();
            var list = new List<T>();
            while (reader.Read()) list.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), Json)!);
            return list;
        }

        private NpgsqlCommand Command(string sql, string? collection, (string Name, object Value)[] parameters)
        {
            var command = new NpgsqlCommand(sql, connection, tx);
            if (collection is not null) command.Parameters.AddWithValue("c", collection);
            foreach (var (name, value) in parameters)
            {
                if (value is NpgsqlParameter p)
                {
                    p.ParameterName = name;
                    command.Parameters.Add(p);
                }
                else
                {
                    command.Parameters.AddWithValue(name, value);
                }
            }

            return command;
        }
    }
}
