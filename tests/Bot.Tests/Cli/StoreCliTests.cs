using System.Security.Cryptography;
using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Bot.Tests.Cli;

/// <summary>
/// The trial findings of the store issue, through the real <c>chatops</c> entry point: a damaged, busy or read-only
/// store is one line on stderr and exit 2, and the file is left byte for byte as it was; the store verbs.
/// </summary>
public sealed class StoreCliTests : IDisposable
{
    private const string Config = "config/chatops.json";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(120);
    private readonly TempDirectory _dir = new("store-cli");
    private readonly List<string> _immutable = [];

    public StoreCliTests()
    {
        Directory.CreateDirectory(_dir.Combine("config"));
        // Any free port for `run`: the demo's 8080 may be taken by another test's bot at the same moment.
        var demo = File.ReadAllText(SourceTree.Combine("config", "chatops.json"));
        var config = demo.Replace("\"url\": \"http://127.0.0.1:8080\"", "\"url\": \"http://127.0.0.1:0\"", StringComparison.Ordinal);
        Assert.NotEqual(demo, config);
        File.WriteAllText(_dir.Combine("config", "chatops.json"), config);
    }

    public void Dispose()
    {
        foreach (var path in _immutable) SetImmutable(path, false);
        _dir.Dispose();
    }

    private string StorePath => _dir.Combine("data", "chatops.db");

    private static string DotnetHost =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    private async Task<ProcessResult> ChatopsAsync(params string[] args)
    {
        var environment = new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };
        var result = await ProcessRunner.RunAsync(DotnetHost, [Path.Combine(AppContext.BaseDirectory, "chatops.dll"), .. args, "--config", Config],
            _dir.Path, Guard, TimeProvider.System, CancellationToken.None, environment);
        Assert.False(result.TimedOut, $"chatops {string.Join(' ', args)} timed out");
        return result;
    }

    private static string Describe(ProcessResult r) => $"exit {r.ExitCode}\nstdout:\n{r.Stdout}\nstderr:\n{r.Stderr}";

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A real store with a few hundred audit entries (several data pages), and one backup of it.</summary>
    private string FillStoreWithBackup()
    {
        Directory.CreateDirectory(_dir.Combine("data"));
        using (var db = new StoreDatabase(StorePath))
        {
            var audit = new AuditLog(db);
            db.InTransaction(() =>
            {
                for (var i = 0; i < 300; i++) audit.Append(new AuditEntry { Area = "lock", Action = "lock", ActorName = "alice", Detail = new string('x', 200) + i });
            });
        }

        return StoreBackups.Backup(StorePath, null, DateTimeOffset.UtcNow);
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private void Truncate(long length)
    {
        using var f = new FileStream(StorePath, FileMode.Open);
        f.SetLength(length);
    }

    /// <summary>Root ignores file modes, so the file is made immutable (chattr +i, as in the trial); others get mode 0444.</summary>
    private void MakeReadOnly(string path)
    {
        SetImmutable(path, true);
        _immutable.Add(path);
    }

    private static void SetImmutable(string path, bool on)
    {
        if (Environment.UserName == "root")
        {
            using var chattr = System.Diagnostics.Process.Start("chattr", [on ? "+i" : "-i", path])!;
            chattr.WaitForExit();
            Assert.Equal(0, chattr.ExitCode);
        }
        else if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, on ? UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>One line on stderr naming the store, what is wrong, the newest backup and the command that restores it.</summary>
    private void AssertRefusedWithRestoreHint(ProcessResult result, string backup, string problem)
    {
        Assert.True(result.ExitCode == 2, Describe(result));
        var line = Assert.Single(Lines(result.Stderr));
        Assert.StartsWith(StorePath + ": " + problem, line, StringComparison.Ordinal);
        Assert.EndsWith($"restore it with: chatops store restore --from {backup} --config {Config}", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StoreTruncatedTo1000Bytes_RefusesInOneLine_FileUnchanged()
    {
        var backup = FillStoreWithBackup();
        Truncate(1000);
        var before = Hash(StorePath);

        var result = await ChatopsAsync("run");

        AssertRefusedWithRestoreHint(result, backup, "truncated");
        Assert.Equal(before, Hash(StorePath));
    }

    [Fact]
    public async Task StatusAndDeploy_StoreTruncatedToHalf_RefuseInOneLine_FileNotShrunk()
    {
        var backup = FillStoreWithBackup();
        var half = new FileInfo(StorePath).Length / 2 / StoreIntegrity.PageSize * StoreIntegrity.PageSize;
        Truncate(half);
        var before = Hash(StorePath);

        AssertRefusedWithRestoreHint(await ChatopsAsync("status"), backup, "truncated: the header names page");
        AssertRefusedWithRestoreHint(await ChatopsAsync("deploy", "--yes"), backup, "truncated: the header names page");
        AssertRefusedWithRestoreHint(await ChatopsAsync("run"), backup, "truncated: the header names page");

        Assert.Equal(half, new FileInfo(StorePath).Length);
        Assert.Equal(before, Hash(StorePath));
    }

    [Fact]
    public async Task Run_GarbageStore_RefusesInOneLine()
    {
        var backup = FillStoreWithBackup();
        File.WriteAllBytes(StorePath, RandomNumberGenerator.GetBytes(50_000));
        var before = Hash(StorePath);

        AssertRefusedWithRestoreHint(await ChatopsAsync("run"), backup, "not a LiteDB file");
        Assert.Equal(before, Hash(StorePath));
    }

    [Fact]
    public async Task MaintenanceLog_TruncatedOrGarbageStore_RefusesInOneLine_FileUnchanged()
    {
        var backup = FillStoreWithBackup();
        var ok = await ChatopsAsync("maintenance-log");
        Assert.True(ok.ExitCode == 0, Describe(ok));

        Truncate(1000);
        var truncated = Hash(StorePath);
        AssertRefusedWithRestoreHint(await ChatopsAsync("maintenance-log"), backup, "truncated");
        Assert.Equal(truncated, Hash(StorePath));

        File.WriteAllBytes(StorePath, RandomNumberGenerator.GetBytes(50_000));
        var garbage = Hash(StorePath);
        AssertRefusedWithRestoreHint(await ChatopsAsync("maintenance-log", "--format", "json"), backup, "not a LiteDB file");
        Assert.Equal(garbage, Hash(StorePath));
    }

    [Fact]
    public async Task Run_WhileAnotherProcessHoldsTheStore_RefusesInOneLine()
    {
        FillStoreWithBackup();
        using var held = StoreLock.Acquire(StorePath); // what a running bot holds

        var result = await ChatopsAsync("run");

        Assert.True(result.ExitCode == 2, Describe(result));
        var line = Assert.Single(Lines(result.Stderr));
        Assert.Equal($"the store {StorePath} is in use by another chatops process (the running bot?): a second bot needs its own dataDir; stop the other one first", line);
    }

    [Fact]
    public async Task ReadOnlyStore_BotRefusesInOneLine_StatusAnswersReadOnly()
    {
        FillStoreWithBackup();
        MakeReadOnly(StorePath);
        var before = Hash(StorePath);

        var run = await ChatopsAsync("run");
        Assert.True(run.ExitCode == 2, Describe(run));
        Assert.Equal($"{StorePath}: read-only: cannot be opened for writing (permission denied)", Assert.Single(Lines(run.Stderr)));

        var status = await ChatopsAsync("status");
        Assert.True(status.ExitCode == 0, Describe(status));
        Assert.Contains($"{StorePath}: read-only; showing what it holds", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("foopy01", status.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, Hash(StorePath));
    }

    [Fact]
    public async Task StoreVerbs_CheckFindsTheDamage_RestoreFromThePrintedCommand_CheckOkAgain()
    {
        var backup = FillStoreWithBackup();
        var check = await ChatopsAsync("store", "check");
        Assert.True(check.ExitCode == 0, Describe(check));
        Assert.StartsWith($"{StorePath}: ok (", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("300 documents", check.Stdout, StringComparison.Ordinal);

        Truncate(1000);
        var damaged = await ChatopsAsync("store", "check");
        AssertRefusedWithRestoreHint(damaged, backup, "truncated");

        // The command the line prints, as a person would paste it.
        var command = Lines(damaged.Stderr)[0].Split("restore it with: chatops ")[1].Split(' ');
        var restore = await ChatopsAsync(command[..^2]);
        Assert.True(restore.ExitCode == 0, Describe(restore));
        Assert.Contains($"restored {StorePath} from {backup}; the file it replaced is kept as ", restore.Stdout, StringComparison.Ordinal);

        var again = await ChatopsAsync("store", "check");
        Assert.True(again.ExitCode == 0, Describe(again));
        Assert.Contains("300 documents", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoreBackup_ToAFile_ThenRestoreRefusedWhileHeld_AndFromGarbage()
    {
        FillStoreWithBackup();
        var to = _dir.Combine("copy.db");

        var backup = await ChatopsAsync("store", "backup", "--to", to);
        Assert.True(backup.ExitCode == 0, Describe(backup));
        Assert.Equal(300, StoreIntegrity.Check(to).Documents);
        var exists = await ChatopsAsync("store", "backup", "--to", to);
        Assert.True(exists.ExitCode == 2, Describe(exists));

        var before = Hash(StorePath);
        using (StoreLock.Acquire(StorePath))
        {
            var busy = await ChatopsAsync("store", "restore", "--from", to);
            Assert.True(busy.ExitCode == 2, Describe(busy));
            Assert.Contains("stop the bot first, then restore", Assert.Single(Lines(busy.Stderr)), StringComparison.Ordinal);
        }

        var garbage = _dir.Combine("garbage.db");
        File.WriteAllBytes(garbage, RandomNumberGenerator.GetBytes(4 * StoreIntegrity.PageSize));
        var bad = await ChatopsAsync("store", "restore", "--from", garbage);
        Assert.True(bad.ExitCode == 2, Describe(bad));
        Assert.Equal($"{garbage}: not a LiteDB file (no LiteDB header in its first page); nothing restored", Assert.Single(Lines(bad.Stderr)));
        Assert.Equal(before, Hash(StorePath));
    }

    [Fact]
    public async Task ValidateConfig_KeepRolloutDetailOutOfRange_NamesTheKey()
    {
        var path = _dir.Combine("config", "chatops.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        json["store"] = new System.Text.Json.Nodes.JsonObject { ["keepRolloutDetail"] = 0 };
        File.WriteAllText(path, json.ToJsonString());

        var result = await ChatopsAsync("validate-config");

        Assert.True(result.ExitCode == 1, Describe(result));
        Assert.Contains("store.keepRolloutDetail: must be between 1 and 100000", result.Stderr, StringComparison.Ordinal);
    }
}
