using System.Collections.Concurrent;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>
/// The LiteDB file holding everything the bot must not forget. Feature stores (rollouts, repos, locks, outbox) reach
/// their collections through here. One process writes at a time: a writer holds an exclusive lock on
/// <c>{path}.lock</c> and opens LiteDB in direct mode (thread-safe within the process). LiteDB's shared mode is not
/// used because it releases its named mutex from whichever thread closes last, which fails when several threads use
/// the store at once. Another process may open the file read-only (<c>chatops status</c> while the bot runs).
/// </summary>
internal sealed class StoreDatabase : IDisposable
{
    /// <summary>1: the first versioned store; 2: announce entries in the outbox instead of <c>Announced</c> flags.</summary>
    public const int SchemaVersion = 2;

    private static readonly System.Reflection.MethodInfo EntityMethod = typeof(BsonMapper).GetMethod(nameof(BsonMapper.Entity))!; // BsonMapper has exactly one Entity<T>().

    // The engine is replaced while the store cannot be written after a write failed in LiteDB (a read-only engine),
    // and again once it can (see EnsureWritable): an engine whose write failed half-way is not trusted with the next
    // one (LiteDB closes it itself). The database and the collections handed out stay the same.
    private readonly LiteDatabase _db;
    private readonly SwappableEngine _engine;
    private readonly bool _readOnly;
    private readonly StoreHealth? _health;
    private readonly BsonMapper _mapper;
    private readonly ConcurrentDictionary<Type, bool> _mapped = new();
    private readonly Lock _mapping = new();

    // LiteDB 5.0.21 corrupts its free-page list when write transactions on different collections run at once
    // (litedb-org/LiteDB#2825): every write takes this gate. Reentrant, so a write may call another.
    private readonly Lock _writeGate = new();

    private static int _staleTransactions;

    /// <summary>How deep this thread is in <see cref="InTransaction"/> calls (nested writes join the outer one).</summary>
    [ThreadStatic]
    private static int _writeDepth;

    private readonly FileStream? _writerLock;

    /// <summary>Why the store cannot be written now (null while it can); set and cleared under the write gate.</summary>
    private StoreWriteProblem? _unwritable;

    /// <summary>A write failed inside LiteDB (not refused before it): reopen the engine once the store is writable.</summary>
    private bool _reopen;

    /// <param name="path">The store file.</param>
    /// <param name="readOnly">Open for reading only (no lock, no conversion).</param>
    /// <param name="time">The clock of a conversion at open (which rollouts count as recent).</param>
    /// <param name="health">Told when the store stops (and starts again) accepting writes while it is open.</param>
    public StoreDatabase(string path, bool readOnly = false, TimeProvider? time = null, StoreHealth? health = null)
    {
        Path = path;
        _readOnly = readOnly;
        _health = health;
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        if (!readOnly)
        {
            _writerLock = StoreLock.Acquire(path);
            try
            {
                // Checked before LiteDB opens it for writing: LiteDB rewrites a file it cannot read (StoreIntegrity).
                StoreIntegrity.Check(path);
            }
            catch
            {
                _writerLock.Dispose();
                throw;
            }
        }

        var mapper = _mapper = new BsonMapper { EnumAsInteger = false, SerializeNullValues = false, TrimWhitespace = false, EmptyStringToNull = false };
        mapper.ResolveMember = (type, member, field) => field.FieldName = LegacyFields.FieldOf(type, member) ?? field.FieldName;
        mapper.RegisterType(
            serialize: (DateTimeOffset d) => new BsonValue(d.UtcTicks),
            deserialize: b => new DateTimeOffset(b.AsInt64, TimeSpan.Zero));
        mapper.RegisterType(
            serialize: (TimeSpan t) => new BsonValue(t.Ticks),
            deserialize: b => TimeSpan.FromTicks(b.AsInt64));
        try
        {
            _engine = new SwappableEngine(Open(readOnly), _writeGate);
            _db = new LiteDatabase(_engine, mapper);
        }
        catch (UnauthorizedAccessException ex)
        {
            _writerLock?.Dispose();
            throw new StoreReadOnlyException(path, ex);
        }
        if (readOnly) return;
        try
        {
            if (_db.UserVersion > SchemaVersion)
                throw new InvalidOperationException($"store {path} has schema {_db.UserVersion}, newer than this build's {SchemaVersion}");
            CreateCollections();
            if (_db.UserVersion < 2) EnqueueUnannounced((time ?? TimeProvider.System).GetUtcNow());
            if (_db.UserVersion != SchemaVersion) _db.UserVersion = SchemaVersion;
        }
        catch (StoreUnwritableException)
        {
            // The file opens for writing but its directory does not take LiteDB's log: refused like a read-only file.
            _db.Dispose();
            _writerLock?.Dispose();
            throw;
        }

        health?.SetProbe(Probe);
    }

    private LiteDB.Engine.LiteEngine Open(bool readOnly) => new(new LiteDB.Engine.EngineSettings { Filename = Path, ReadOnly = readOnly });

    public string Path { get; }

    public ILiteCollection<T> Collection<T>(string name)
    {
        if (!_mapped.ContainsKey(typeof(T))) Map(typeof(T));
        return _db.GetCollection<T>(name);
    }

    /// <summary>
    /// Runs <paramref name="work"/> as one transaction: one commit to LiteDB's log instead of one per operation. LiteDB binds a transaction to its thread: <paramref name="work"/> must be synchronous. Joins the
    /// transaction already running on this thread, if any. On an exception nothing of <paramref name="work"/> is kept.
    /// </summary>
    public void InTransaction(Action work)
    {
        lock (_writeGate)
        {
            if (_writeDepth == 0) EnsureWritable();
            var begun = _db.BeginTrans();
            if (!begun && _writeDepth == 0)
            {
                // This thread holds a transaction no Write began: one LiteDB left bound to the thread. Joining it
                // would never commit; drop it (it can hold no write of ours) and begin our own.
                Interlocked.Increment(ref _staleTransactions);
                _db.Rollback();
                begun = _db.BeginTrans();
            }

            _writeDepth++;
            try
            {
                work();
                if (begun) _db.Commit();
            }
            catch (Exception ex) when (_writeDepth == 1 && !_readOnly && ex is UnauthorizedAccessException or IOException)
            {
                // LiteDB's write to its log or data file failed (made read-only between the check and the write).
                throw CannotWrite(ex);
            }
            catch
            {
                if (begun) _db.Rollback();
                throw;
            }
            finally
            {
                _writeDepth--;
            }
        }
    }

    /// <summary>
    /// Refuses a write before it begins while the store cannot be written, so that LiteDB never meets the failure: the
    /// data file, LiteDB's log (or, without one, the directory it would be created in) must open for writing. A root
    /// process is refused only by what stops root too (an immutable file or directory, a read-only mount).
    /// The first refusal is reported to <see cref="StoreHealth"/>; the first check that passes afterwards ends it.
    /// </summary>
    private void EnsureWritable()
    {
        if (_readOnly) return;
        if (WriteProblem() is { } problem)
        {
            _unwritable ??= problem;
            _health?.ReportUnwritable(Path, problem);
            throw new StoreUnwritableException(Path, problem);
        }

        if (_unwritable is null) return;
        if (_reopen)
        {
            Replace(readOnly: false);
            _reopen = false;
        }

        _unwritable = null;
        _health?.ReportWritable();
    }

    /// <summary>A write failed inside LiteDB: nothing of it is kept; reads go on from a read-only engine until the store is writable.</summary>
    private StoreUnwritableException CannotWrite(Exception ex)
    {
        var problem = Describe(Path, ex);
        _unwritable ??= problem;
        _reopen = true;
        Replace(readOnly: true);
        _health?.ReportUnwritable(Path, problem);
        return new StoreUnwritableException(Path, problem, ex);
    }

    private void Replace(bool readOnly)
    {
        // Close flushes what LiteDB holds and drops the transaction the failed write left behind; what fails in it
        // (the checkpoint of a file that cannot be written) is LiteDB's to swallow.
        _engine.Replace(() => Open(readOnly));
    }

    /// <summary>Tries the store now (the recovery probe while it cannot be written); true when it can be written.</summary>
    private bool Probe()
    {
        lock (_writeGate)
        {
            try
            {
                EnsureWritable();
                return true;
            }
            catch (StoreUnwritableException)
            {
                return false;
            }
        }
    }

    private StoreWriteProblem? WriteProblem()
    {
        var file = Path;
        try
        {
            using (File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite)) { }
            file = StoreIntegrity.LogFile(Path);
            if (File.Exists(file))
            {
                using (File.OpenHandle(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite)) { }
            }
            else
            {
                file = Path + ".probe";
                using (File.OpenHandle(file, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.DeleteOnClose)) { }
            }

            return null;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            return Describe(file, ex);
        }
    }

    /// <summary>The file that refused (<c>chatops-log.db</c>), and the system's reason without the path (<c>operation not permitted</c>).</summary>
    internal static StoreWriteProblem Describe(string file, Exception ex)
    {
        // .NET words an errno as "Operation not permitted : '/full/path'", inside "Access to the path … is denied."
        var reason = ex is UnauthorizedAccessException && ex.InnerException is IOException inner ? inner.Message : ex.Message;
        var cut = reason.IndexOf(" : '", StringComparison.Ordinal);
        if (cut > 0) reason = reason[..cut];
        reason = reason.Replace(file, System.IO.Path.GetFileName(file), StringComparison.Ordinal).TrimEnd('.');
        if (reason.Length > 0) reason = char.ToLowerInvariant(reason[0]) + reason[1..];
        return new StoreWriteProblem(System.IO.Path.GetFileName(file), reason);
    }

    /// <summary>Transactions found left on a thread by LiteDB and dropped before a write (see <see cref="InTransaction"/>).</summary>
    public static int StaleTransactions => Volatile.Read(ref _staleTransactions);

    /// <summary>Runs <paramref name="work"/> as one transaction, after every other write (see <see cref="InTransaction"/>).</summary>
    public void Write(Action work) => InTransaction(work);

    /// <inheritdoc cref="Write(Action)"/>
    public T Write<T>(Func<T> work)
    {
        T result = default!;
        InTransaction(() => result = work());
        return result;
    }

    /// <summary>
    /// Creates every collection before any thread uses the store. LiteDB 5.0.21 fails a read of a collection that
    /// another transaction is creating at that moment with "page type must be collection page" and then closes the
    /// engine (litedb-org/LiteDB#2792): the bot's loops would all fail until restarted. A collection is created by
    /// its first write; a document with a string id, deleted in the same transaction, leaves it empty and leaves the
    /// numeric id sequence untouched.
    /// </summary>
    private void CreateCollections()
    {
        var existing = _db.GetCollectionNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = StoreCollections.All.Where(n => !existing.Contains(n)).ToList();
        InTransaction(() =>
        {
            foreach (var name in missing)
            {
                var collection = _db.GetCollection(name);
                collection.Insert(new BsonDocument { ["_id"] = "created" });
                collection.Delete("created");
            }
        });
        foreach (var (collection, field) in StoreCollections.Indexes) _db.GetCollection(collection).EnsureIndex(field, "$." + field);
        if (existing.Contains(StoreCollections.LegacyChatOutbox)) MoveLegacyChatOutbox();
    }

    /// <summary>
    /// Builds before the generic outbox kept chat messages in <c>chat_outbox</c>. Its pending messages become
    /// outbox entries of kind <c>chat</c>, in order, with the payload the bot's chat outbox writes; the old documents
    /// go in the same transaction (so a crash cannot move them twice), then the empty collection.
    /// </summary>
    private void MoveLegacyChatOutbox()
    {
        var old = _db.GetCollection(StoreCollections.LegacyChatOutbox, BsonAutoId.Int32);
        var outbox = _db.GetCollection(StoreCollections.Outbox, BsonAutoId.Int32);
        InTransaction(() =>
        {
            foreach (var doc in old.Find(Query.EQ("State", "Pending")).OrderBy(d => d["_id"].AsInt32).ToList())
            {
                var payload = System.Text.Json.JsonSerializer.Serialize(new { Channel = doc["Channel"].AsString, Text = doc["Text"].AsString });
                outbox.Insert(new BsonDocument
                {
                    ["Kind"] = "chat",
                    ["Key"] = doc["ProgressKey"],
                    ["Payload"] = payload,
                    ["State"] = "Pending",
                    ["Attempts"] = doc["Attempts"],
                    ["CreatedAt"] = doc["CreatedAt"],
                    ["NextAttemptAt"] = doc["CreatedAt"],
                });
            }

            old.DeleteAll();
        });
        _db.DropCollection(StoreCollections.LegacyChatOutbox);
    }

    /// <summary>
    /// Builds before schema 2 kept <c>Announced</c> flags on merges and rollouts. What they had not announced becomes
    /// announce entries in the outbox, in one transaction, as those builds would have replayed it at start: every
    /// merge, then each rollout that ended (not interrupted) within the last day. Keys make a second run a no-op (a
    /// crash before the version is written); the old fields stay in the documents and are ignored when read.
    /// </summary>
    private void EnqueueUnannounced(DateTimeOffset now)
    {
        var merges = _db.GetCollection(StoreCollections.Merges);
        var rollouts = _db.GetCollection(StoreCollections.Rollouts);
        var outbox = _db.GetCollection(StoreCollections.Outbox, BsonAutoId.Int32);
        var dayAgo = now.AddDays(-1).UtcTicks;
        InTransaction(() =>
        {
            var unannouncedMerges = merges.Find(Query.EQ("Announced", false)).Select(d => d["_id"].AsInt32).Order()
                .Select(id => Outbox.AnnounceEntries.Merge(id));
            var unannouncedRollouts = rollouts.Find(Query.EQ("Announced", false))
                .Where(d => d["State"].AsString is not ("Running" or "Interrupted") && d["FinishedAt"].IsInt64 && d["FinishedAt"].AsInt64 > dayAgo)
                .Select(d => d["_id"].AsInt32).Order()
                .Select(id => Outbox.AnnounceEntries.Rollout(id));
            foreach (var message in unannouncedMerges.Concat(unannouncedRollouts).ToList())
            {
                if (outbox.Exists(Query.And(Query.EQ("Kind", message.Kind), Query.EQ("Key", message.Key)))) continue;
                outbox.Insert(new BsonDocument
                {
                    ["Kind"] = message.Kind,
                    ["Key"] = message.Key,
                    ["Payload"] = message.Payload,
                    ["State"] = nameof(Outbox.OutboxState.Pending),
                    ["Attempts"] = 0,
                    ["CreatedAt"] = now.UtcTicks,
                    ["NextAttemptAt"] = now.UtcTicks,
                });
            }
        });
    }

    /// <summary>Writes the log into the data file, so a read-only reader in another process sees everything.</summary>
    public void Checkpoint()
    {
        lock (_writeGate)
        {
            if (_writeDepth == 0) EnsureWritable();
            try
            {
                _db.Checkpoint();
            }
            catch (Exception ex) when (_writeDepth == 0 && !_readOnly && ex is UnauthorizedAccessException or IOException)
            {
                throw CannotWrite(ex);
            }
        }
    }

    public void Dispose()
    {
        _db.Dispose();
        _writerLock?.Dispose();
    }

    /// <summary>
    /// LiteDB 5.0.21 publishes a type's entity mapper before it has filled in the members (litedb-org/LiteDB#2536), so
    /// two threads using a type for the first time at once can fail with "Member X not found on BsonMapper" or "Collection
    /// was modified". Build the mappers of a stored type and of every type inside it under one lock, before first use.
    /// </summary>
    private void Map(Type root)
    {
        lock (_mapping)
        {
            if (_mapped.ContainsKey(root)) return;
            foreach (var type in EntityTypes(root)) EntityMethod.MakeGenericMethod(type).Invoke(_mapper, null);
            _mapped[root] = true;
        }
    }

    /// <summary><paramref name="root"/> and the classes and structs LiteDB maps as documents through its public properties.</summary>
    private static List<Type> EntityTypes(Type root)
    {
        var found = new List<Type>();
        var seen = new HashSet<Type>();
        var pending = new Stack<Type>([root]);
        while (pending.TryPop(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (!seen.Add(type)) continue;
            if (type.IsArray)
            {
                pending.Push(type.GetElementType()!); // an array type always has an element type.
                continue;
            }

            if (type.IsGenericType && typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
            {
                foreach (var argument in type.GetGenericArguments()) pending.Push(argument);
                continue;
            }

            if (!IsDocument(type)) continue;
            found.Add(type);
            foreach (var property in type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
                pending.Push(property.PropertyType);
        }

        return found;
    }

    private static bool IsDocument(Type type) =>
        !type.IsPrimitive && !type.IsEnum && !type.IsInterface && !type.IsAbstract && !type.ContainsGenericParameters
        && type != typeof(string) && type != typeof(decimal) && type != typeof(Guid) && type != typeof(DateTime)
        && type != typeof(DateTimeOffset) && type != typeof(TimeSpan) && type != typeof(object)
        && type.Namespace?.StartsWith("System", StringComparison.Ordinal) != true
        && type.Namespace?.StartsWith("LiteDB", StringComparison.Ordinal) != true;
}

/// <summary>Which exceptions mean the store itself failed (file gone, unreadable, damaged), for health checks.</summary>
public static class StoreErrors
{
    public static bool IsStoreFailure(Exception ex) => ex is IOException or LiteException or UnauthorizedAccessException;
}

/// <summary>Another process owns the store for writing.</summary>
public sealed class StoreBusyException(string message, Exception inner) : StoreUnusableException(message, inner);
