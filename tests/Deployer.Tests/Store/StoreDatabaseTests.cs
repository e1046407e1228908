using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Deployer.Tests.Store;

public sealed class StoreDatabaseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-store-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Collection_FirstUsedByManyThreadsAtOnce_MapsEveryMember()
    {
        // A race: LiteDB 5.0.21 alone fails it with "Member State not found on BsonMapper" or "Collection was modified"
        // in most rounds, so twenty rounds on fresh stores (fresh mappers) fail without the fix.
        for (var round = 0; round < 20; round++)
        {
            using var db = new StoreDatabase(Path.Combine(_dir, $"mapped{round}.db"));
            using var start = new Barrier(16);

            // Threads of their own: sixteen pool threads blocked on the barrier would wait for the pool to grow.
            var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
            var threads = Enumerable.Range(0, 16).Select(i => new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    db.Collection<Row>(StoreCollections.All[i % StoreCollections.All.Count]).Insert(new Row { State = "s" + i, Parts = [new Part { Name = "p" + i }] });
                }
                catch (Exception ex)
                {
                    errors.Add(ex);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Empty(errors);

            for (var i = 0; i < 16; i++)
            {
                var row = Assert.Single(db.Collection<Row>(StoreCollections.All[i % StoreCollections.All.Count]).Find(r => r.State == "s" + i));
                Assert.Equal("p" + i, Assert.Single(row.Parts).Name);
            }
        }
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
}
