using System.Text.Json.Nodes;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using Npgsql;

namespace ChatOpsReconfig.Bot.Tests.Cli;

[CollectionDefinition(Name)]
public sealed class BotPostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "bot-postgres";
}

/// <summary>
/// <c>"store": {"kind": "postgres", "connectionStringEnv": …}</c> (or <c>"connectionStringFile"</c>) through the real
/// <c>chatops</c> entry point, on a real PostgreSQL: the bot runs on it and leaves no LiteDB file; what stops it is one
/// line on stderr, exit 2, without the password.
/// </summary>
[Collection(BotPostgresCollection.Name)]
public sealed class PostgresStoreCliTests : IDisposable
{
    private const string Config = "config/chatops.json";
    private const string Variable = "CHATOPS_PG_TEST";
    private readonly PostgresFixture _pg;
    private readonly TempDirectory _dir = new("pg-cli");

    public PostgresStoreCliTests(PostgresFixture pg)
    {
        _pg = pg;
        Directory.CreateDirectory(_dir.Combine("config"));
        WriteConfig(new JsonObject { ["kind"] = "postgres", ["connectionStringEnv"] = Variable });
    }

    public void Dispose() => _dir.Dispose();

    private string ConnectionStringFile => _dir.Combine("secrets", "chatops-pg.conn");

    private void WriteConfig(JsonObject store)
    {
        var json = JsonNode.Parse(File.ReadAllText(SourceTree.Combine("config", "chatops.json")), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;
        json["store"] = store;
        json["web"]!["url"] = "http://127.0.0.1:0"; // any free port: the demo's 8080 may be another test's at the moment
        File.WriteAllText(_dir.Combine("config", "chatops.json"), json.ToJsonString());
    }

    private void UseConnectionStringFile() =>
        WriteConfig(new JsonObject { ["kind"] = "postgres", ["connectionStringFile"] = ConnectionStringFile });

    private async Task<ProcessResult> ChatopsAsync(string? connectionString, params string[] args)
    {
        var environment = new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1" };
        if (connectionString is not null) environment[Variable] = connectionString;
        var result = await ProcessRunner.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "chatops.dll"), .. args, "--config", Config],
            _dir.Path, TimeSpan.FromSeconds(180), TimeProvider.System, CancellationToken.None, environment);
        Assert.False(result.TimedOut, $"chatops {string.Join(' ', args)} timed out");
        return result;
    }

    private static string Describe(ProcessResult r) => $"exit {r.ExitCode}\nstdout:\n{r.Stdout}\nstderr:\n{r.Stderr}";

    /// <summary>The bot ran and recorded the repos' baseline in the database, with no LiteDB file beside it.</summary>
    private async Task AssertRanOnPostgresAsync(ProcessResult run, string connectionString)
    {
        Assert.True(run.ExitCode == 0, Describe(run));
        Assert.Contains("watching tools production at", run.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.Combine("data", "chatops.db")), "a LiteDB file was created next to the postgres store");
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var count = source.CreateCommand("SELECT count(*) FROM documents WHERE collection = 'repo_states'");
        Assert.True((long)(await count.ExecuteScalarAsync())! >= 1);
    }

    [Fact]
    public async Task Run_OnPostgres_RecordsTheBaselineInTheDatabase_AndNoStoreFile()
    {
        var connectionString = await _pg.CreateDatabaseAsync();

        await AssertRanOnPostgresAsync(await ChatopsAsync(connectionString, "run"), connectionString);

        var status = await ChatopsAsync(connectionString, "status");
        Assert.True(status.ExitCode == 0, Describe(status));
        Assert.Contains("bm01", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ConnectionStringFromAFile_RecordsTheBaselineInTheDatabase()
    {
        var connectionString = await _pg.CreateDatabaseAsync();
        UseConnectionStringFile();
        Directory.CreateDirectory(Path.GetDirectoryName(ConnectionStringFile)!);
        File.WriteAllText(ConnectionStringFile, connectionString + "\n"); // as an editor saves it

        await AssertRanOnPostgresAsync(await ChatopsAsync(null, "run"), connectionString);
    }

    [Fact]
    public async Task Run_ConnectionStringFileMissing_OneLineNamingIt_Exit2_NothingWritten()
    {
        UseConnectionStringFile();

        var run = await ChatopsAsync(null, "run");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"store: cannot read {ConnectionStringFile} (the PostgreSQL connection string): ", line, StringComparison.Ordinal);
        Assert.False(File.Exists(ConnectionStringFile));
        Assert.Equal(["config/chatops.json"], Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_dir.Path, f)));
    }

    [Fact]
    public async Task Run_VariableNotSet_OneLineNamingIt_Exit2()
    {
        var run = await ChatopsAsync(null, "run");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"store: environment variable {Variable} is not set (the PostgreSQL connection string)", run.Stderr.Trim());
    }

    [Fact]
    public async Task MaintenanceLog_VariableNotSet_OneLineNamingIt_Exit2()
    {
        var log = await ChatopsAsync(null, "maintenance-log");

        Assert.Equal(2, log.ExitCode);
        Assert.Equal($"store: environment variable {Variable} is not set (the PostgreSQL connection string)", log.Stderr.Trim());
        Assert.Empty(log.Stdout);
    }

    [Fact]
    public async Task Run_WrongPassword_OneLineWithoutThePassword_Exit2()
    {
        var connectionString = await _pg.CreateDatabaseAsync();
        // Nothing listens on port 1: the connection is refused.
        var wrong = new NpgsqlConnectionStringBuilder(connectionString) { Port = 1, Password = "hunter2-secret", Timeout = 3 }.ConnectionString;

        var run = await ChatopsAsync(wrong, "run");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("store: cannot use PostgreSQL 127.0.0.1:1/", line, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreVerbs_OnPostgres_PointToPostgresTools_Exit2()
    {
        var check = await ChatopsAsync(await _pg.CreateDatabaseAsync(), "store", "check");

        Assert.Equal(2, check.ExitCode);
        Assert.Contains("pg_dump", check.Stderr, StringComparison.Ordinal);
    }
}
