using System.Security.Cryptography;
using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>A damaged store is refused before LiteDB opens it for writing, and is left exactly as it was.</summary>
public sealed class StoreIntegrityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-integrity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string StorePath => Path.Combine(_dir, "chatops.db");

    /// <summary>A real store with enough audit entries to span several data pages.</summary>
    internal static void Fill(string path, int entries = 400)
    {
        using var db = new StoreDatabase(path);
        var audit = new AuditLog(db);
        db.InTransaction(() =>
        {
            for (var i = 0; i < entries; i++)
                audit.Append(new AuditEntry { Area = "lock", Action = "lock", ActorName = "alice", Detail = new string('x', 200) + i });
        });
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public void Check_MissingOrZeroBytes_IsAFreshStore()
    {
        Assert.True(StoreIntegrity.Check(StorePath).Fresh);
        File.WriteAllBytes(StorePath, []);
        Assert.True(StoreIntegrity.Check(StorePath).Fresh);

        using var db = new StoreDatabase(StorePath);
        Assert.Empty(new AuditLog(db).Latest(10, null));
    }

    [Fact]
    public void Check_AGoodStore_CountsEveryDocument()
    {
        Fill(StorePath);

        var check = StoreIntegrity.Check(StorePath);

        Assert.False(check.Fresh);
        Assert.Equal(400, check.Documents);
        Assert.Equal(StoreCollections.All.Count, check.Collections);
    }

    [Theory]
    [InlineData(1000, "truncated: 1000 bytes is not a whole number of 8192-byte pages")]
    [InlineData(8192 * 3, "truncated: the header names page")]
    [InlineData(8192 * 3 + 5000, "truncated")]
    public void Open_TruncatedStore_RefusedAndLeftUnchanged(int length, string problem)
    {
        Fill(StorePath);
        using (var f = new FileStream(StorePath, FileMode.Open)) f.SetLength(length);
        var before = Hash(StorePath);

        var ex = Assert.Throws<StoreCorruptException>(() => new StoreDatabase(StorePath));

        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith(StorePath + ": ", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(StorePath));
        Assert.Equal(length, new FileInfo(StorePath).Length);
    }

    [Fact]
    public void Open_GarbageFile_RefusedAsNotALiteDbFile()
    {
        File.WriteAllBytes(StorePath, RandomNumberGenerator.GetBytes(50_000));
        var before = Hash(StorePath);

        var ex = Assert.Throws<StoreCorruptException>(() => new StoreDatabase(StorePath));

        Assert.Contains("not a LiteDB file", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(StorePath));
    }

    [Fact]
    public void Open_APageOverwrittenWithZeros_Refused()
    {
        Fill(StorePath);
        var bytes = File.ReadAllBytes(StorePath);
        Array.Clear(bytes, 2 * StoreIntegrity.PageSize, StoreIntegrity.PageSize);
        File.WriteAllBytes(StorePath, bytes);
        var before = Hash(StorePath);

        var ex = Assert.Throws<StoreCorruptException>(() => new StoreDatabase(StorePath));

        Assert.Contains("damaged page 2", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(StorePath));
    }

    [Fact]
    public void Open_DataPageBodyScrambled_RefusedByTheFullRead()
    {
        Fill(StorePath);
        var bytes = File.ReadAllBytes(StorePath);
        // Keep every page header (id and type) intact; scramble the bodies of the last pages (audit documents).
        var pages = bytes.Length / StoreIntegrity.PageSize;
        for (var p = pages - 4; p < pages; p++)
            RandomNumberGenerator.Fill(bytes.AsSpan(p * StoreIntegrity.PageSize + 32, StoreIntegrity.PageSize - 32));
        File.WriteAllBytes(StorePath, bytes);
        var before = Hash(StorePath);

        var ex = Assert.Throws<StoreCorruptException>(() => new StoreDatabase(StorePath));

        Assert.Contains("unreadable", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(StorePath));
    }

    [Fact]
    public void Open_WhileAnotherWriterHoldsTheLock_Busy_FileUntouched()
    {
        Fill(StorePath);
        var before = Hash(StorePath);
        using var held = StoreLock.Acquire(StorePath);

        Assert.Throws<StoreBusyException>(() => new StoreDatabase(StorePath));
        Assert.True(StoreLock.IsHeld(StorePath));
        Assert.Equal(before, Hash(StorePath));
    }

    [Fact]
    public void Backup_IsACheckedCopyWithEverything_NewestSevenKept()
    {
        Fill(StorePath, entries: 50);
        using var db = new StoreDatabase(StorePath);
        new AuditLog(db).Append(new AuditEntry { Area = "lock", Action = "unlock", Detail = "after the fill" });
        var start = new DateTimeOffset(2026, 12, 1, 7, 0, 0, TimeSpan.Zero);

        var made = Enumerable.Range(0, 9).Select(i => StoreBackups.Create(db, start.AddDays(i))).ToList();

        Assert.Equal(made.TakeLast(StoreBackups.Keep), StoreBackups.List(StorePath));
        Assert.Equal(made[^1], StoreBackups.Newest(StorePath));
        Assert.EndsWith("chatops-20261209T070000Z.db", made[^1], StringComparison.Ordinal);
        // The copy holds the entry written just before it (checkpointed from LiteDB's log first).
        Assert.Equal(51, StoreIntegrity.Check(made[^1]).Documents);
        Assert.Empty(Directory.GetFiles(StoreBackups.DirectoryFor(StorePath), "*.partial"));
    }

    [Fact]
    public void Restore_PutsTheBackupInPlace_KeepsTheDamagedFileAside()
    {
        Fill(StorePath, entries: 30);
        var backup = StoreBackups.Backup(StorePath, null, DateTimeOffset.UnixEpoch);
        using (var f = new FileStream(StorePath, FileMode.Open)) f.SetLength(1000);
        var damaged = Hash(StorePath);

        var kept = StoreBackups.Restore(StorePath, backup, DateTimeOffset.UnixEpoch.AddHours(1));

        Assert.NotNull(kept);
        Assert.Equal(damaged, Hash(kept));
        using var db = new StoreDatabase(StorePath);
        Assert.Equal(10, new AuditLog(db).Latest(10, null).Count);
    }

    [Fact]
    public void Restore_FromADamagedFile_RefusedAndTheStoreUntouched()
    {
        Fill(StorePath, entries: 30);
        var before = Hash(StorePath);
        var bad = Path.Combine(_dir, "bad.db");
        File.WriteAllBytes(bad, RandomNumberGenerator.GetBytes(3 * StoreIntegrity.PageSize));

        var ex = Assert.Throws<StoreCorruptException>(() => StoreBackups.Restore(StorePath, bad, DateTimeOffset.UnixEpoch));

        Assert.StartsWith(bad + ": not a LiteDB file", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Hash(StorePath));
        Assert.Throws<StoreCorruptException>(() => StoreBackups.Restore(StorePath, Path.Combine(_dir, "none.db"), DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Restore_WhileAWriterHoldsTheStore_Refused()
    {
        Fill(StorePath, entries: 30);
        var backup = StoreBackups.Backup(StorePath, null, DateTimeOffset.UnixEpoch);
        using var db = new StoreDatabase(StorePath);

        Assert.Throws<StoreBusyException>(() => StoreBackups.Restore(StorePath, backup, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public async Task BackupLoop_BacksUpAtStartThenDaily()
    {
        Fill(StorePath, entries: 10);
        using var db = new StoreDatabase(StorePath);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 7, 0, 0, TimeSpan.Zero));
        using var loop = new StoreBackupLoop(db, time, NullLogger<StoreBackupLoop>.Instance);
        var made = System.Threading.Channels.Channel.CreateUnbounded<string>();
        loop.BackupMade += f => made.Writer.TryWrite(f);

        await loop.StartAsync(CancellationToken.None);
        var first = await made.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.EndsWith("chatops-20261201T070000Z.db", first, StringComparison.Ordinal);

        time.Advance(StoreBackupLoop.Interval - TimeSpan.FromSeconds(1));
        Assert.False(made.Reader.TryRead(out _));
        time.Advance(TimeSpan.FromSeconds(1));
        var second = await made.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.EndsWith("chatops-20261202T070000Z.db", second, StringComparison.Ordinal);
        Assert.Equal([first, second], StoreBackups.List(StorePath));
        await loop.StopAsync(CancellationToken.None);
    }
}
