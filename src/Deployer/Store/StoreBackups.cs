using System.Globalization;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>
/// Copies of the store in <c>backups/</c> next to it, named by their UTC time so that name order is age order; the
/// newest <see cref="Keep"/> are kept. A copy is made after a checkpoint (every commit in the data file), written
/// under a temporary name, checked like the store itself, then renamed: a half-written or torn copy never looks
/// like a backup.
/// </summary>
public static class StoreBackups
{
    public const int Keep = 7;

    private const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static string DirectoryFor(string storePath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(storePath))!, "backups");

    /// <summary>The backups of <paramref name="storePath"/>, oldest first.</summary>
    public static IReadOnlyList<string> List(string storePath)
    {
        var dir = DirectoryFor(storePath);
        if (!Directory.Exists(dir)) return [];
        return Directory.GetFiles(dir, Prefix(storePath) + "*" + Path.GetExtension(storePath))
            .Where(f => TimeOf(storePath, f) is not null)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static string? Newest(string storePath) => List(storePath).LastOrDefault();

    /// <summary>
    /// Checkpoints <paramref name="db"/> and copies its file to <paramref name="to"/>, or to a new timestamped file in
    /// the backups directory (dropping all but the newest <see cref="Keep"/>). Writes go on meanwhile, into LiteDB's
    /// log; should LiteDB checkpoint on its own during the copy, the check of the copy fails and it is made again.
    /// Returns the file written.
    /// </summary>
    internal static string Create(StoreDatabase db, DateTimeOffset now, string? to = null)
    {
        var target = to ?? Path.Combine(DirectoryFor(db.Path), $"{Prefix(db.Path)}{now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}{Path.GetExtension(db.Path)}");
        var dir = Path.GetDirectoryName(Path.GetFullPath(target))!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, "." + Path.GetFileName(target) + ".partial");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                db.Checkpoint();
                File.Copy(db.Path, temp, overwrite: true);
                StoreIntegrity.Check(temp);
                File.Move(temp, target, overwrite: to is null);
                break;
            }
            catch (StoreCorruptException) when (attempt < 3)
            {
                // Torn by a checkpoint during the copy: copy again.
            }
            finally
            {
                File.Delete(temp);
            }
        }

        if (to is null) Prune(db.Path);
        return target;
    }

    /// <summary>
    /// <c>chatops store backup</c>: opens the store as its writer (the lock, then the check), copies it to
    /// <paramref name="to"/> or into the backups directory. Throws <see cref="StoreUnusableException"/>.
    /// </summary>
    public static string Backup(string storePath, string? to, DateTimeOffset now)
    {
        using var db = new StoreDatabase(storePath);
        return Create(db, now, to);
    }

    /// <summary>
    /// <c>chatops store restore</c>: checks <paramref name="from"/>, takes the writer's lock, moves the current file
    /// (damaged or not, with its log) aside into the backups directory, and puts a copy of <paramref name="from"/> in
    /// its place. Returns where the replaced file went (null when there was none). Throws <see cref="StoreUnusableException"/>.
    /// </summary>
    public static string? Restore(string storePath, string from, DateTimeOffset now)
    {
        if (Path.GetFullPath(from) == Path.GetFullPath(storePath)) throw new StoreCorruptException(from, "is the store itself; name a backup");
        if (StoreIntegrity.Check(from).Fresh) throw new StoreCorruptException(from, File.Exists(from) ? "empty file, not a backup" : "no such file");
        using var _ = StoreLock.Acquire(storePath);
        string? kept = null;
        if (File.Exists(storePath))
        {
            var dir = DirectoryFor(storePath);
            Directory.CreateDirectory(dir);
            kept = Path.Combine(dir, $"{Prefix(storePath)}replaced-{now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture)}{Path.GetExtension(storePath)}");
            File.Move(storePath, kept, overwrite: true);
            if (File.Exists(StoreIntegrity.LogFile(storePath))) File.Move(StoreIntegrity.LogFile(storePath), StoreIntegrity.LogFile(kept), overwrite: true);
        }

        var temp = storePath + ".restoring";
        File.Copy(from, temp, overwrite: true);
        if (File.Exists(StoreIntegrity.LogFile(from))) File.Copy(StoreIntegrity.LogFile(from), StoreIntegrity.LogFile(storePath), overwrite: true);
        File.Move(temp, storePath);
        return kept;
    }

    private static void Prune(string storePath)
    {
        var all = List(storePath);
        foreach (var old in all.Take(Math.Max(0, all.Count - Keep))) File.Delete(old);
    }

    private static string Prefix(string storePath) => Path.GetFileNameWithoutExtension(storePath) + "-";

    private static DateTimeOffset? TimeOf(string storePath, string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var prefix = Prefix(storePath);
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return null;
        return DateTimeOffset.TryParseExact(name[prefix.Length..], TimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }
}
