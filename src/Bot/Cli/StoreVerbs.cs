using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Bot.Cli;

/// <summary><c>chatops store check|backup|restore</c>: the store file, checked, copied and put back. Exit 0 done, 2 refused (one line on stderr).</summary>
internal static class StoreVerbs
{
    /// <summary>These verbs work on the embedded file; a PostgreSQL store has its own tools.</summary>
    private static bool RefusePostgres(Deployer.Fleet.FleetConfig fleet)
    {
        if (!StoreOptions.From(fleet).IsPostgres) return false;
        Console.Error.WriteLine("store: this config uses the postgres store: check and back it up with PostgreSQL's own tools (pg_dump, pg_basebackup, amcheck); these verbs are for the embedded store file");
        return true;
    }

    public static int Check(string configPath)
    {
        var fleet = CliContext.LoadOrReport(configPath);
        if (fleet is null || RefusePostgres(fleet)) return CliContext.ExitConfig;
        var path = fleet.StorePath!;
        // A copy taken while the bot writes may be torn; the bot checked the file when it opened it.
        if (StoreLock.IsHeld(path))
        {
            Console.Error.WriteLine($"{path}: in use by the running bot, which checked it when it started; stop the bot to check it again");
            return CliContext.ExitConfig;
        }

        try
        {
            Console.WriteLine($"{path}: {Describe(StoreIntegrity.Check(path))}");
            var newest = StoreBackups.Newest(path);
            Console.WriteLine(newest is null ? $"no backup in {StoreBackups.DirectoryFor(path)}" : $"newest backup: {newest}");
            return CliContext.ExitOk;
        }
        catch (StoreUnusableException ex)
        {
            Console.Error.WriteLine(StoreGate.Describe(ex, configPath));
            return CliContext.ExitConfig;
        }
    }

    /// <summary><c>ok (12 pages, 340 documents in 9 collections)</c>, or that there is no store yet.</summary>
    internal static string Describe(StoreFileCheck check) => check.Fresh
        ? "no store yet (a fresh one is made at first start)"
        : FormattableString.Invariant($"ok ({check.Pages} pages, {check.Documents} documents in {check.Collections} collections)");

    public static int Backup(string configPath, string? to)
    {
        var fleet = CliContext.LoadOrReport(configPath);
        if (fleet is null || RefusePostgres(fleet)) return CliContext.ExitConfig;
        var path = fleet.StorePath!;
        if (to is not null && File.Exists(to))
        {
            Console.Error.WriteLine($"{to}: exists; not overwritten");
            return CliContext.ExitConfig;
        }

        if (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            Console.Error.WriteLine($"{path}: no store yet; nothing to back up");
            return CliContext.ExitConfig;
        }

        try
        {
            var file = StoreBackups.Backup(path, to, TimeProvider.System.GetUtcNow());
            Console.WriteLine($"backed up {path} to {file} ({new FileInfo(file).Length} bytes)");
            return CliContext.ExitOk;
        }
        catch (StoreUnusableException ex)
        {
            Console.Error.WriteLine(StoreGate.Describe(ex, configPath, $"the running bot backs it up at start and daily into {StoreBackups.DirectoryFor(path)}"));
            return CliContext.ExitConfig;
        }
    }

    public static int Restore(string configPath, string from)
    {
        var fleet = CliContext.LoadOrReport(configPath);
        if (fleet is null || RefusePostgres(fleet)) return CliContext.ExitConfig;
        var path = fleet.StorePath!;
        try
        {
            var kept = StoreBackups.Restore(path, from, TimeProvider.System.GetUtcNow());
            Console.WriteLine($"restored {path} from {from}" + (kept is null ? "" : $"; the file it replaced is kept as {kept}"));
            return CliContext.ExitOk;
        }
        catch (StoreUnusableException ex)
        {
            var line = ex is StoreCorruptException c && c.StorePath == from ? $"{ex.Message}; nothing restored" : StoreGate.Describe(ex, configPath, "stop the bot first, then restore");
            Console.Error.WriteLine(line);
            return CliContext.ExitConfig;
        }
    }
}
