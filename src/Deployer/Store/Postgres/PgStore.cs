using Npgsql;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>
/// The PostgreSQL store, opened at first use: the connection string from its environment variable or file (it holds a
/// password: never logged, never in a message), the schema brought up to date. Anything that stops it is one
/// <see cref="StoreUnreachableException"/> naming what to fix.
/// </summary>
internal sealed class PgStore : IDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlDataSource _leaseSource;

    public PgStore(StoreOptions options, Func<string, string?> environment)
    {
        var connectionString = ConnectionString(options, environment);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            throw new StoreUnreachableException($"store: the PostgreSQL connection string in {Origin(options)} is not valid (see Npgsql's connection string keywords)");
        }

        Where = $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}";
        _source = NpgsqlDataSource.Create(builder);
        // The lease gets connections of its own: a renewal never waits for a connection behind the store's work, and a
        // connect that hangs fails within the shortest lease (3 s) instead of Npgsql's default 15 s.
        _leaseSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(builder.ConnectionString) { MaxPoolSize = 2, Timeout = 3 });
        try
        {
            PgMigrations.ApplyAsync(_source, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (StoreSchemaException ex)
        {
            Dispose();
            throw new StoreUnreachableException($"store: {Where}: {ex.Message}");
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
        {
            Dispose();
            throw new StoreUnreachableException($"store: cannot use {Where}: {FirstLine(ex.Message)}");
        }
    }

    /// <summary>Host, port and database: what may be shown.</summary>
    public string Where { get; }

    public NpgsqlDataSource Source => _source;

    /// <summary>The leader lease's own small pool (<see cref="PgLeaderLease"/>).</summary>
    public NpgsqlDataSource LeaseSource => _leaseSource;

    public void Dispose()
    {
        _source.Dispose();
        _leaseSource.Dispose();
    }

    private static string ConnectionString(StoreOptions options, Func<string, string?> environment)
    {
        if (options.ConnectionStringEnv is { } name)
            return environment(name) is { Length: > 0 } value ? value : throw new StoreUnreachableException($"store: environment variable {name} is not set (the PostgreSQL connection string)");
        var file = options.ConnectionStringFile!;
        try
        {
            return File.ReadAllText(file).Trim() is { Length: > 0 } text ? text : throw new StoreUnreachableException($"store: {file} is empty (the PostgreSQL connection string)");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StoreUnreachableException($"store: cannot read {file} (the PostgreSQL connection string): {ex.Message}");
        }
    }

    private static string Origin(StoreOptions options) => options.ConnectionStringEnv is { } name ? $"${name}" : options.ConnectionStringFile!;

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}

/// <summary>The PostgreSQL store cannot be reached or used; the message is one line that names no secret.</summary>
public sealed class StoreUnreachableException(string message) : StoreUnusableException(message);
