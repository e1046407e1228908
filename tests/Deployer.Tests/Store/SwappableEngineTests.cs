using ChatOpsReconfig.Deployer.Store;
using LiteDB;
using LiteDB.Engine;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>
/// A read that meets the store's engine just as it is closed (LiteDB closes it when a write to disk fails; the store
/// then puts a read-only engine in its place) is answered by the new engine, not failed with "This engine instance
/// already disposed" (a `!lock` during the read-only episode once answered that in chat).
/// </summary>
public sealed class SwappableEngineTests
{
    private static LiteEngine EngineWith(string name)
    {
        var engine = new LiteEngine(new EngineSettings { DataStream = new MemoryStream() });
        engine.Insert("holds", [new BsonDocument { ["_id"] = name }], BsonAutoId.ObjectId);
        return engine;
    }

    private static List<string> Ids(ILiteEngine engine)
    {
        using var reader = engine.Query("holds", new Query());
        var ids = new List<string>();
        while (reader.Read()) ids.Add(reader.Current["_id"].AsString);
        return ids;
    }

    [Fact]
    public void Query_OnTheEngineBeingReplaced_WaitsAndAsksTheNewOne()
    {
        var gate = new Lock();
        var old = EngineWith("before");
        var swappable = new SwappableEngine(old, gate);
        List<string>? read = null;
        Exception? failed = null;
        var reader = new Thread(() =>
        {
            try { read = Ids(swappable); }
            catch (Exception ex) { failed = ex; }
        });

        lock (gate)
        {
            swappable.Replace(() =>
            {
                // Between the close of the old engine and the new one taking its place, as in a failed write.
                reader.Start();
                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (reader.ThreadState is not (ThreadState.WaitSleepJoin or ThreadState.Stopped) && DateTime.UtcNow < deadline) Thread.Yield();
                return EngineWith("after");
            });
        }

        reader.Join();
        Assert.Null(failed);
        Assert.Equal(["after"], read);
    }

    [Fact]
    public void Query_OnAClosedEngineNobodyReplaces_FailsAsBefore()
    {
        var engine = EngineWith("only");
        var swappable = new SwappableEngine(engine, new Lock());
        engine.Dispose();
        Assert.ThrowsAny<Exception>(() => Ids(swappable));
    }
}
