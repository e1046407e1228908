using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Bot.Cli;

/// <summary>Opening the store for the bot and the verbs: a store that cannot be used is one line on stderr, never a stack trace.</summary>
internal static class StoreGate
{
    /// <summary>Opens the store; on an expected failure prints one line (busy: followed by <paramref name="busyHint"/>) and returns it.</summary>
    public static StoreUnusableException? TryOpen(IServiceProvider services, string configPath, string busyHint, bool print = true)
    {
        try
        {
            services.OpenStore();
            return null;
        }
        catch (StoreUnusableException ex)
        {
            if (print) Console.Error.WriteLine(Describe(ex, configPath, busyHint));
            return ex;
        }
    }

    /// <summary>The one line for <paramref name="ex"/>: a damaged store names its newest backup and the command that restores it.</summary>
    public static string Describe(StoreUnusableException ex, string configPath, string busyHint = "stop it first") => ex switch
    {
        StoreCorruptException c => c.Message + "; " + RestoreHint(c.StorePath, configPath),
        StoreBusyException => $"{ex.Message}: {busyHint}",
        _ => ex.Message,
    };

    /// <summary>Checks a store nobody holds without opening it for writing; prints the one line and returns it when damaged.</summary>
    public static StoreUnusableException? CheckReadOnly(string storePath, string configPath)
    {
        try
        {
            StoreIntegrity.Check(storePath);
            return null;
        }
        catch (StoreCorruptException ex)
        {
            Console.Error.WriteLine(Describe(ex, configPath));
            return ex;
        }
    }

    public static string RestoreHint(string storePath, string configPath) => StoreBackups.Newest(storePath) is { } newest
        ? $"nothing was changed; newest backup {newest}; restore it with: chatops store restore --from {newest} --config {configPath}"
        : $"nothing was changed; no backup in {StoreBackups.DirectoryFor(storePath)}";
}
