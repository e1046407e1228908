using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Store.Postgres;
using ChatOpsReconfig.Deployer.Transport;
using LiteDB;
using Json = System.Text.Json.JsonSerializer;

namespace ChatOpsReconfig.Deployer.Tests.Rollout;

/// <summary>
/// The transport's failures are stored as data (kinds and fields) in both stores; host results an older build stored
/// with the transport's sentences in <c>Detail</c> and <c>Error</c> still load, with those sentences where they were.
/// </summary>
public sealed class TransportFailureStorageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-transport-failure-").FullName;

    private string DbPath => Path.Combine(_dir, "chatops.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly CommandError TimedOut =
        new() { Kind = CommandErrorKind.TimedOut, Seconds = 30, Stop = new CommandStop { Kind = StopKind.Killed, ProcessGroup = 4711 } };

    private static readonly CommandError Broke =
        new() { Kind = CommandErrorKind.BrokeWhileRunning, Host = "bm01 (127.0.0.1:2222)", Detail = "Socket closed" };

    private static readonly ConnectFailure Refused =
        new() { Kind = ConnectFailureKind.Unreachable, Problem = ConnectProblem.ConnectionRefused, Host = "bm02 (127.0.0.1:2223)", Detail = "Connection refused" };

    private static readonly RevisionProblem NotRead =
        new() { Repo = "tools", Kind = RevisionProblemKind.NotRead, At = RevisionReadAt.After, Status = CommandStatus.Error, CommandError = Broke };

    private static HostResult Failed(int rolloutId) => new()
    {
        RolloutId = rolloutId, Host = "bm01", Outcome = HostOutcome.Failed, FailedStep = "checkconfig",
        Failure = new HostFailure
        {
            Kind = HostFailureKind.Step, Step = "checkconfig", StepStatus = StepStatus.TimedOut, CommandError = TimedOut,
            Restore = RestoreOutcome.Failed, RestoreStatus = StepStatus.Error, RestoreCommandError = Broke,
        },
        Steps = [new StepResult { Name = "checkconfig", Status = StepStatus.TimedOut, CommandError = TimedOut }],
        RevisionReadProblems = [NotRead],
    };

    private static HostResult Unreachable(int rolloutId) => new()
    {
        RolloutId = rolloutId, Host = "bm02", Outcome = HostOutcome.Unreachable, FailedStep = "connect", Failure = HostFailure.Connect(Refused),
    };

    [Fact]
    public async Task LiteDb_TypedFailures_RoundTrip()
    {
        using var db = new StoreDatabase(DbPath);
        var store = new RolloutStore(db);

        var id = await store.InsertAsync(new RolloutRecord { StartedBy = "alice" }, [Failed(0), Unreachable(0)], CancellationToken.None);
        var read = (await store.GetHostsAsync(id, CancellationToken.None)).ToDictionary(r => r.Host);

        AssertTyped(read["bm01"], read["bm02"]);
    }

    [Fact]
    public void Postgres_TypedFailures_RoundTrip()
    {
        var failed = Json.Deserialize<HostResult>(Json.Serialize(Failed(1), PgDocuments.Json), PgDocuments.Json)!;
        var unreachable = Json.Deserialize<HostResult>(Json.Serialize(Unreachable(1), PgDocuments.Json), PgDocuments.Json)!;

        AssertTyped(failed, unreachable);
    }

    private static void AssertTyped(HostResult failed, HostResult unreachable)
    {
        Assert.Equal((TimedOut, Broke), (failed.Failure?.CommandError, failed.Failure?.RestoreCommandError));
        Assert.Equal(TimedOut, Assert.Single(failed.Steps).CommandError);
        Assert.Equal(NotRead, Assert.Single(failed.RevisionReadProblems));
        Assert.Equal((HostFailureKind.Connect, Refused, (string?)null), (unreachable.Failure?.Kind, unreachable.Failure?.ConnectFailure, unreachable.Failure?.Detail));
    }

    [Fact]
    public async Task LiteDb_OldShapedHostResultWithTransportSentences_LoadsWithThemAsStored()
    {
        using (var old = new LiteDatabase(new ConnectionString { Filename = DbPath, Connection = ConnectionType.Direct }))
        {
            old.GetCollection(StoreCollections.HostResults).Insert(new BsonDocument
            {
                ["_id"] = "1/bm01", ["RolloutId"] = 1, ["Host"] = "bm01", ["Outcome"] = "Failed", ["FailedStep"] = "checkconfig",
                ["Failure"] = new BsonDocument
                {
                    ["Kind"] = "Step", ["Step"] = "checkconfig", ["StepStatus"] = "TimedOut", ["Detail"] = "timed out after 30s; process group 4711 killed",
                },
                ["Steps"] = new BsonArray(new BsonDocument { ["Name"] = "checkconfig", ["Status"] = "TimedOut", ["Error"] = "timed out after 30s; process group 4711 killed" }),
                ["RevisionProblems"] = new BsonArray(new BsonValue("after: tools: revisions not read: the connection to bm01 is lost")),
            });
            old.GetCollection(StoreCollections.HostResults).Insert(new BsonDocument
            {
                ["_id"] = "1/bm02", ["RolloutId"] = 1, ["Host"] = "bm02", ["Outcome"] = "Unreachable", ["FailedStep"] = "connect",
                ["Failure"] = new BsonDocument { ["Kind"] = "Connect", ["Detail"] = "cannot reach bm02 (127.0.0.1:2223): connection refused (is sshd running on that port?)" },
            });
        }

        using var db = new StoreDatabase(DbPath);
        var read = (await new RolloutStore(db).GetHostsAsync(1, CancellationToken.None)).ToDictionary(r => r.Host);

        Assert.Equal(("timed out after 30s; process group 4711 killed", null), (read["bm01"].Failure?.Detail, read["bm01"].Failure?.CommandError));
        Assert.Equal(("timed out after 30s; process group 4711 killed", null), (Assert.Single(read["bm01"].Steps).Error, read["bm01"].Steps[0].CommandError));
        Assert.Equal(["after: tools: revisions not read: the connection to bm01 is lost"], read["bm01"].RevisionProblems);
        Assert.Empty(read["bm01"].RevisionReadProblems);
        Assert.Equal(
            ("cannot reach bm02 (127.0.0.1:2223): connection refused (is sshd running on that port?)", null),
            (read["bm02"].Failure?.Detail, read["bm02"].Failure?.ConnectFailure));
    }
}
