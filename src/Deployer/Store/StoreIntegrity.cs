using System.Text;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>What a check of the store file found: a fresh store (no file, or zero bytes) or a readable one (the CLI words it).</summary>
public sealed record StoreFileCheck(bool Fresh, int Pages, int Collections, long Documents);

/// <summary>
/// Checks the LiteDB file before anything opens it for writing. LiteDB must never see a damaged file in write mode:
/// it takes a file shorter than one page for a new database and rewrites it (holds, history and audit log gone), and a
/// start that fails on a damaged page still shrinks the file. So the header and every page header are read here with
/// plain file reads, then a copy (with its log, if a crash left one) is opened read-only and every document of every
/// collection is read. The file itself is only ever read.
/// </summary>
public static class StoreIntegrity
{
    /// <summary>LiteDB 5's page size, and where its header page keeps the file tag, the format version and the last page id.</summary>
    public const int PageSize = 8192;

    private const int HeaderInfoOffset = 32;
    private const string HeaderInfo = "** This is a LiteDB file **";
    private const int FileVersionOffset = 59;
    private const byte FileVersion = 8;
    private const int LastPageIdOffset = 64;
    private const byte HighestPageType = 4; // empty 0, header 1, collection 2, index 3, data 4

    /// <summary>Checks <paramref name="path"/>; throws <see cref="StoreCorruptException"/> when it cannot be used.</summary>
    public static StoreFileCheck Check(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists || file.Length == 0) return new StoreFileCheck(true, 0, 0, 0);
        var pages = CheckPages(path, file.Length);
        var (collections, documents) = ReadEverything(path);
        return new StoreFileCheck(false, pages, collections, documents);
    }

    /// <summary>LiteDB keeps uncheckpointed commits in <c>{name}-log{ext}</c> next to the data file.</summary>
    public static string LogFile(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    private static int CheckPages(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var header = new byte[PageSize];
        stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (length >= HeaderInfoOffset + HeaderInfo.Length && Encoding.ASCII.GetString(header, HeaderInfoOffset, HeaderInfo.Length) != HeaderInfo)
            throw new StoreCorruptException(path, "not a LiteDB file (no LiteDB header in its first page)");
        if (length < PageSize || length % PageSize != 0)
            throw new StoreCorruptException(path, $"truncated: {length} bytes is not a whole number of {PageSize}-byte pages");
        var pages = checked((int)(length / PageSize));
        if (header[FileVersionOffset] != FileVersion)
            throw new StoreCorruptException(path, $"LiteDB file format {header[FileVersionOffset]}, this build reads format {FileVersion}");
        var lastPage = BitConverter.ToUInt32(header, LastPageIdOffset);
        if (lastPage >= pages)
            throw new StoreCorruptException(path, $"truncated: the header names page {lastPage} but the file ends after page {pages - 1}");

        var pageHeader = new byte[5];
        for (var id = 1; id <= lastPage; id++)
        {
            stream.Position = (long)id * PageSize;
            stream.ReadExactly(pageHeader);
            var stored = BitConverter.ToUInt32(pageHeader, 0);
            if (stored != id || pageHeader[4] > HighestPageType)
                throw new StoreCorruptException(path, $"damaged page {id} (it says it is page {stored} of type {pageHeader[4]})");
        }

        return pages;
    }

    /// <summary>Opens a copy read-only and reads every document, so a damaged data or index page shows here and not in the bot.</summary>
    private static (int Collections, long Documents) ReadEverything(string path)
    {
        var dir = Directory.CreateTempSubdirectory("chatops-check-");
        try
        {
            var copy = Path.Combine(dir.FullName, Path.GetFileName(path));
            File.Copy(path, copy);
            if (File.Exists(LogFile(path))) File.Copy(LogFile(path), LogFile(copy));
            try
            {
                using var db = new LiteDatabase(new ConnectionString { Filename = copy, Connection = ConnectionType.Direct, ReadOnly = true });
                var names = db.GetCollectionNames().ToList();
                long documents = 0;
                foreach (var name in names)
                    foreach (var _ in db.GetCollection(name).FindAll()) documents++;
                return (names.Count, documents);
            }
            catch (LiteException ex)
            {
                throw new StoreCorruptException(path, "unreadable: " + OneLine(ex.Message));
            }
            catch (Exception ex) when (ex is InvalidCastException or IndexOutOfRangeException or ArgumentException or InvalidOperationException or IOException)
            {
                throw new StoreCorruptException(path, "unreadable: " + OneLine(ex.Message));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}

/// <summary>An expected reason the store cannot be used now; its message is one line fit for a person.</summary>
public abstract class StoreUnusableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The store file is damaged; it has not been touched.</summary>
public sealed class StoreCorruptException(string path, string problem) : StoreUnusableException($"{path}: {problem}")
{
    public string StorePath { get; } = path;

    public string Problem { get; } = problem;
}

/// <summary>The store (or its directory) cannot be written: read-only, immutable, or not ours.</summary>
public sealed class StoreReadOnlyException(string path, Exception inner)
    : StoreUnusableException($"{path}: read-only: cannot be opened for writing (permission denied)", inner);
