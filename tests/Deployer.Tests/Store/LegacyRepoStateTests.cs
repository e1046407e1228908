using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Store.Postgres;
using LiteDB;
using Json = System.Text.Json.JsonSerializer;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>
/// Repo states an older build stored with its words (<c>LastError</c>) still load, with those words in
/// <c>LegacyLastError</c>; states stored since carry a typed <see cref="RepoFailure"/> and no words.
/// </summary>
public sealed class LegacyRepoStateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-legacy-repo-").FullName;

    private string DbPath => Path.Combine(_dir, "chatops.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly RepoFailure Timeout = new() { Kind = RepoFailureKind.TimedOut, Command = "hg pull", TimeoutSeconds = 60 };

    [Fact]
    public async Task LiteDb_OldShapedRepoState_LoadsWithItsWordsAsLegacy_NewStatesStoreTheFailure()
    {
        using (var old = new LiteDatabase(new ConnectionString { Filename = DbPath, Connection = ConnectionType.Direct }))
        {
            old.GetCollection(StoreCollections.RepoStates).Insert(new BsonDocument
            {
                ["_id"] = "tools", ["Kind"] = "Git", ["Branch"] = "production", ["LastPollOk"] = false, ["ConsecutiveFailures"] = 4,
                ["LastError"] = "cannot read the new commits: git log failed: fatal: bad object",
            });
        }

        using var db = new StoreDatabase(DbPath);
        IRepoStore store = new RepoStore(db, TimeProvider.System);
        var read = (await store.GetStateAsync("tools", CancellationToken.None))!;
        Assert.Equal(("cannot read the new commits: git log failed: fatal: bad object", null, 4), (read.LegacyLastError, read.LastFailure, read.ConsecutiveFailures));

        await store.SaveStateAsync(read with { LastFailure = Timeout, LegacyLastError = null }, CancellationToken.None);
        var again = (await store.GetStateAsync("tools", CancellationToken.None))!;
        Assert.Equal((Timeout, (string?)null), (again.LastFailure, again.LegacyLastError));
    }

    [Fact]
    public void Postgres_OldShapedRepoStateDocument_ReadsItsWordsAsLegacy_NewDocumentsWriteNone()
    {
        const string old = """{"Id":"tools","Kind":"Hg","Branch":"default","LastPollOk":false,"LastError":"hg pull timed out after 60s","ConsecutiveFailures":2}""";

        var read = Json.Deserialize<RepoState>(old, PgDocuments.Json)!;
        var written = Json.Serialize(new RepoState { Id = "tools", LastFailure = Timeout }, PgDocuments.Json);

        Assert.Equal(("hg pull timed out after 60s", null, 2), (read.LegacyLastError, read.LastFailure, read.ConsecutiveFailures));
        Assert.Equal(Timeout, Json.Deserialize<RepoState>(written, PgDocuments.Json)!.LastFailure);
        Assert.Contains("\"LastError\":null", written, StringComparison.Ordinal);
        Assert.DoesNotContain("LegacyLastError", written, StringComparison.Ordinal);
    }
}
