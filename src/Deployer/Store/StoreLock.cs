namespace ChatOpsReconfig.Deployer.Store;

/// <summary>
/// The writer's claim on the store: an exclusive lock on <c>{path}.lock</c>, held by the one process that may write
/// (the bot, or a verb while no bot runs) for as long as it has the store open.
/// </summary>
public static class StoreLock
{
    /// <summary>Takes the lock; throws <see cref="StoreBusyException"/> or <see cref="StoreReadOnlyException"/>.</summary>
    public static FileStream Acquire(string path)
    {
        try
        {
            return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new StoreReadOnlyException(path, ex);
        }
        catch (IOException ex) when (File.Exists(path + ".lock"))
        {
            throw new StoreBusyException($"the store {path} is in use by another chatops process (the running bot?)", ex);
        }
    }

    /// <summary>Whether another process holds the lock now (a read-only caller only asks).</summary>
    public static bool IsHeld(string path)
    {
        try
        {
            using var _ = Acquire(path);
            return false;
        }
        catch (StoreBusyException)
        {
            return true;
        }
        catch (StoreReadOnlyException)
        {
            return false;
        }
    }
}
