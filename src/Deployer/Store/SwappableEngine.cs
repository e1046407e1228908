using LiteDB;
using LiteDB.Engine;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>
/// The engine under the store's one <see cref="LiteDatabase"/>, replaceable while the bot runs (a read-only engine while
/// the file cannot be written, a fresh writable one after: see <see cref="StoreDatabase"/>). Reads run without the
/// write gate, so one may meet the old engine just as it is closed (by LiteDB itself when a write to disk fails, or by
/// the replacement); it waits for the replacement, which runs under the gate, and asks the new engine once.
/// Writes run under the gate, so no replacement happens in the middle of one.
/// </summary>
internal sealed class SwappableEngine(ILiteEngine first, Lock gate) : ILiteEngine
{
    private volatile ILiteEngine _current = first;

    /// <summary>Closes the engine in use and puts the one <paramref name="open"/> makes in its place. Call under the gate.</summary>
    public void Replace(Func<ILiteEngine> open)
    {
        _current.Dispose();
        _current = open();
    }

    private T Read<T>(Func<ILiteEngine, T> read)
    {
        var engine = _current;
        try
        {
            return read(engine);
        }
        catch (Exception) when (Replaced(engine))
        {
            return read(_current);
        }
    }

    private bool Replaced(ILiteEngine engine)
    {
        lock (gate) return !ReferenceEquals(engine, _current);
    }

    public IBsonDataReader Query(string collection, Query query) => Read(e => e.Query(collection, query));

    public BsonValue Pragma(string name) => Read(e => e.Pragma(name));

    public int Checkpoint() => _current.Checkpoint();

    public long Rebuild(RebuildOptions options) => _current.Rebuild(options);

    public bool BeginTrans() => _current.BeginTrans();

    public bool Commit() => _current.Commit();

    public bool Rollback() => _current.Rollback();

    public int Insert(string collection, IEnumerable<BsonDocument> docs, BsonAutoId autoId) => _current.Insert(collection, docs, autoId);

    public int Update(string collection, IEnumerable<BsonDocument> docs) => _current.Update(collection, docs);

    public int UpdateMany(string collection, BsonExpression transform, BsonExpression predicate) => _current.UpdateMany(collection, transform, predicate);

    public int Upsert(string collection, IEnumerable<BsonDocument> docs, BsonAutoId autoId) => _current.Upsert(collection, docs, autoId);

    public int Delete(string collection, IEnumerable<BsonValue> ids) => _current.Delete(collection, ids);

    public int DeleteMany(string collection, BsonExpression predicate) => _current.DeleteMany(collection, predicate);

    public bool DropCollection(string name) => _current.DropCollection(name);

    public bool RenameCollection(string name, string newName) => _current.RenameCollection(name, newName);

    public bool EnsureIndex(string collection, string name, BsonExpression expression, bool unique) => _current.EnsureIndex(collection, name, expression, unique);

    public bool DropIndex(string collection, string name) => _current.DropIndex(collection, name);

    public bool Pragma(string name, BsonValue value) => _current.Pragma(name, value);

    public void Dispose() => _current.Dispose();
}
