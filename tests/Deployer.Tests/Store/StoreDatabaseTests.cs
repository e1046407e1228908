using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Deployer.Tests.Store;

public sealed class StoreDatabaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Collection_WhileAnotherThreadIsHalfWayThroughMappingItsType_WaitsForTheWholeMapping()
    {
        // LiteDB 5.0.21 publishes a type's mapper before it has filled in the members (litedb-org/LiteDB#2536): a thread
        // using the type meanwhile writes documents without the members not yet mapped, or fails. Not left to chance:
        // the first thread is held half-way through mapping (LiteDB builds [Paused] as it maps State), and the second
        // comes while it is held.
        using var db = new StoreDatabase(Path.Combine(_dir, "mapped.db"));
        var paused = PausedAttribute.Arm();
        Exception? firstError = null, secondError = null;
        var first = new Thread(() =>
        {
            try
            {
                db.Collection<PausedRow>(StoreCollections.Rollouts);
            }
            catch (Exception ex)
            {
                firstError = ex;
            }
        });
        first.Start();
        Assert.True(paused.Reached.Wait(TimeSpan.FromSeconds(60)), "the first thread never began to map the type");

        var second = new Thread(() =>
        {
            try
            {
                db.Collection<PausedRow>(StoreCollections.Rollouts).Insert(new PausedRow { State = "s", Parts = [new Part { Name = "p" }] });
            }
            catch (Exception ex)
            {
                secondError = ex;
            }
        });
        second.Start();
        // The second either writes with the mapping it found or waits for the first to finish it.
        Assert.True(SpinWait.SpinUntil(() => !second.IsAlive || (second.ThreadState & ThreadState.WaitSleepJoin) != 0, TimeSpan.FromSeconds(60)), "the second thread neither finished nor waited");
        paused.Released.Set();
        first.Join();
        second.Join();

        Assert.Null(firstError);
        Assert.Null(secondError);
        var row = Assert.Single(db.Collection<PausedRow>(StoreCollections.Rollouts).FindAll());
        Assert.Equal("s", row.State);
        Assert.Equal("p", Assert.Single(row.Parts).Name);
    }

    [Fact]
    public void Open_CreatesEveryCollection_BeforeAnyIsUsed()
    {
        // LiteDB fails a read of a collection another transaction is creating (litedb-org/LiteDB#2792): no collection
        // may be left for its first write to create.
        var path = Path.Combine(_dir, "created.db");
        new StoreDatabase(path).Dispose();

        using var raw = new LiteDB.LiteDatabase(new LiteDB.ConnectionString { Filename = path, ReadOnly = true });
        Assert.Superset(StoreCollections.All.ToHashSet(StringComparer.Ordinal), raw.GetCollectionNames().ToHashSet(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryCollection_ReadWhileItsFirstDocumentIsWritten_NeverFailsOrClosesTheStore()
    {
        // LiteDB alone fails a read of a collection another transaction is creating ("page type must be collection
        // page") and then closes the engine; the store creates every collection when it opens. A race: repeated on
        // fresh files, with readers spinning while the first documents are written.
        for (var round = 0; round < 20; round++)
        {
            var path = Path.Combine(_dir, $"race{round}.db");
            using var db = new StoreDatabase(path);
            using var stop = new CancellationTokenSource();
            var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
            var readers = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
            {
                try
                {
                    while (!stop.IsCancellationRequested)
                        foreach (var name in StoreCollections.All) db.Collection<Row>(name).Query().Limit(1).ToList();
                }
                catch (Exception ex)
                {
                    errors.Add(ex);
                }
            })).ToList();
            readers.ForEach(t => t.Start());
            try
            {
                foreach (var name in StoreCollections.All) db.Collection<Row>(name).Insert(new Row { State = name });
            }
            finally
            {
                stop.Cancel();
                readers.ForEach(t => t.Join());
            }

            Assert.Empty(errors);
            Assert.All(StoreCollections.All, name => Assert.Equal(1, db.Collection<Row>(name).Query().Where(r => r.State == name).Count()));
            Assert.All(StoreCollections.All, name => Assert.Equal(1, db.Collection<Row>(name).Query().Where(r => r.State == name).First().Id));
        }
    }

    public sealed record Row
    {
        public int Id { get; init; }

        public string State { get; init; } = "";

        public List<Part> Parts { get; init; } = [];
    }

    public sealed record Part
    {
        public string Name { get; init; } = "";
    }

    /// <summary>A <see cref="Row"/> whose mapping can be held half-way (see <see cref="PausedAttribute"/>).</summary>
    public sealed record PausedRow
    {
        public int Id { get; init; }

        [Paused]
        public string State { get; init; } = "";

        public List<Part> Parts { get; init; } = [];
    }

    /// <summary>
    /// LiteDB creates this attribute while it maps the member it is on (it reads [BsonField] there). Once armed, the
    /// next creation says so and waits to be released: the thread mapping the type is held half-way through.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property)]
    public sealed class PausedAttribute : LiteDB.BsonFieldAttribute
    {
        private static Pause? _armed;

        public PausedAttribute()
            : base(nameof(PausedRow.State))
        {
            if (Interlocked.Exchange(ref _armed, null) is not { } pause) return;
            pause.Reached.Set();
            pause.Released.Wait(TimeSpan.FromSeconds(60));
        }

        public static Pause Arm() => _armed = new Pause();
    }

    public sealed class Pause
    {
        public ManualResetEventSlim Reached { get; } = new();

        public ManualResetEventSlim Released { get; } = new();
    }
}
