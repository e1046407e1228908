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
    public static string Create(StoreDatabase db, DateTimeOffset now, string? to = null)
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
