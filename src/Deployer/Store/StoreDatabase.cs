using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>
/// The LiteDB file holding everything the bot must not forget. Opened in shared mode so the CLI verbs can read
/// it while the bot runs. Feature stores (rollouts, repos, locks, outbox) reach their collections through here.
/// </summary>
public sealed class StoreDatabase : IDisposable
{
    public const int SchemaVersion = 1;

    private readonly LiteDatabase _db;

    public StoreDatabase(string path)
    {
        Path = path;
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var mapper = new BsonMapper { EnumAsInteger = false, SerializeNullValues = false, TrimWhitespace = false, EmptyStringToNull = false };
        mapper.RegisterType(
            serialize: (DateTimeOffset d) => new BsonValue(d.UtcTicks),
            deserialize: b => new DateTimeOffset(b.AsInt64, TimeSpan.Zero));
        mapper.RegisterType(
            serialize: (TimeSpan t) => new BsonValue(t.Ticks),
            deserialize: b => TimeSpan.FromTicks(b.AsInt64));
        _db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Shared }, mapper);
        if (_db.UserVersion == 0) _db.UserVersion = SchemaVersion;
        else if (_db.UserVersion > SchemaVersion)
            throw new InvalidOperationException($"store {path} has schema {_db.UserVersion}, newer than this build's {SchemaVersion}");
    }

    public string Path { get; }

    public ILiteCollection<T> Collection<T>(string name) => _db.GetCollection<T>(name);

    /// <summary>
    /// Runs <paramref name="work"/> as one transaction. In shared mode every single operation opens the file, reads
    /// its header and checkpoints on close (a few milliseconds each); a transaction keeps the file open and checkpoints
    /// once. LiteDB binds a transaction to its thread: <paramref name="work"/> must be synchronous. Joins the
    /// transaction already running on this thread, if any. On an exception nothing of <paramref name="work"/> is kept.
    /// </summary>
    public void InTransaction(Action work)
    {
        if (!_db.BeginTrans())
        {
            work();
            return;
        }

        try
        {
            work();
            _db.Commit();
        }
        catch
        {
            _db.Rollback();
            throw;
        }
    }

    public void Dispose() => _db.Dispose();
}
