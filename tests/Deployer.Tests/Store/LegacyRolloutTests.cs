using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Store.Postgres;
using LiteDB;
using Json = System.Text.Json.JsonSerializer;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>
/// Rollouts an older build stored with their words (<c>Reason</c>, <c>Summary</c>) still load, with those words in
/// <c>LegacyReason</c> and <c>LegacySummary</c>; rollouts stored since carry no words.
/// </summary>
public sealed class LegacyRolloutTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-legacy-rollout-").FullName;

    private string DbPath => Path.Combine(_dir, "chatops.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task LiteDb_OldShapedRollout_LoadsWithItsWordsAsLegacy()
    {
        using (var old = new LiteDatabase(new ConnectionString { Filename = DbPath, Connection = ConnectionType.Direct }))
        {
            old.GetCollection(StoreCollections.Rollouts, BsonAutoId.Int32).Insert(new BsonDocument
            {
                ["State"] = "Halted", ["StartedBy"] = "alice", ["Reason"] = "deploy now --force", ["Forced"] = true,
                ["Hosts"] = new BsonArray(new BsonValue("bm01"), new BsonValue("bm02")), ["CanaryCount"] = 1,
                ["Summary"] = "canary bm01 failed (update: exit 1); not touched: bm02",
            });
        }

        using var db = new StoreDatabase(DbPath);
        var store = new RolloutStore(db);
        var read = Assert.Single((await store.LatestAsync(5, CancellationToken.None)));

        Assert.Equal(("deploy now --force", "canary bm01 failed (update: exit 1); not touched: bm02"), (read.LegacyReason, read.LegacySummary));
        Assert.Equal((RolloutState.Halted, "alice", null), (read.State, read.StartedBy, read.Tally));

        var fresh = (await store.GetAsync((await store.InsertAsync(new RolloutRecord { StartedBy = "bob", Tally = new RolloutTally { Total = 1, Ok = 1 } }, CancellationToken.None)), CancellationToken.None))!;
        Assert.Equal(((string?)null, (string?)null, 1), (fresh.LegacyReason, fresh.LegacySummary, fresh.Tally?.Ok));
    }

    [Fact]
    public async Task Postgres_OldShapedRolloutDocument_ReadsItsWordsAsLegacy_NewDocumentsWriteNone()
    {
        const string old = """{"Id":3,"State":"Interrupted","StartedBy":"chatops","Reason":"automatic: deploying: tools 1a2b3c4d5e6f","Summary":"interrupted; unfinished: bm02"}""";

        var read = Json.Deserialize<RolloutRecord>(old, PgDocuments.Json)!;
        var written = Json.Serialize(new RolloutRecord { Id = 4, Tally = new RolloutTally { Total = 2, Ok = 2 } }, PgDocuments.Json);

        Assert.Equal(("automatic: deploying: tools 1a2b3c4d5e6f", "interrupted; unfinished: bm02"), (read.LegacyReason, read.LegacySummary));
        Assert.Contains("\"Reason\":null", written, StringComparison.Ordinal);
        Assert.DoesNotContain("LegacyReason", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LiteDb_OldShapedHostResultAndState_LoadWithTheirWordsAsLegacy()
    {
        using (var old = new LiteDatabase(new ConnectionString { Filename = DbPath, Connection = ConnectionType.Direct }))
        {
            old.GetCollection(StoreCollections.HostResults).Insert(new BsonDocument
            {
                ["_id"] = "1/bm01", ["RolloutId"] = 1, ["Host"] = "bm01", ["Outcome"] = "Failed", ["FailedStep"] = "checkconfig",
                ["Error"] = "checkconfig: exit 1; previous revisions restored",
            });
            old.GetCollection(StoreCollections.HostStates).Insert(new BsonDocument
            {
                ["_id"] = "bm01", ["LastOutcome"] = "Failed", ["LastFailedStep"] = "checkconfig", ["LastError"] = "checkconfig: exit 1",
            });
        }

        using var db = new StoreDatabase(DbPath);
        var store = new RolloutStore(db);
        var result = Assert.Single((await store.GetHostsAsync(1, CancellationToken.None)));
        var state = (await store.GetHostStateAsync("bm01", CancellationToken.None))!;

        Assert.Equal(("checkconfig: exit 1; previous revisions restored", null), (result.LegacyError, result.Failure));
        Assert.Equal(("checkconfig: exit 1", null), (state.LegacyLastError, state.LastFailure));
    }
}
