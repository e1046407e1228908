using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>The running bot's backups: one as it starts (before the other services start), then one a day.</summary>
public sealed partial class StoreBackupLoop : BackgroundService
{
    private readonly StoreDatabase db;
    private readonly TimeProvider time;
    private readonly ILogger<StoreBackupLoop> logger;

    internal StoreBackupLoop(StoreDatabase db, TimeProvider time, ILogger<StoreBackupLoop> logger)
    {
        this.db = db;
        this.time = time;
        this.logger = logger;
    }

    public static readonly TimeSpan Interval = TimeSpan.FromDays(1);

    /// <summary>Raised with the file of each backup made (tests wait on it).</summary>
    public event Action<string>? BackupMade;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                var file = StoreBackups.Create(db, time.GetUtcNow());
                Log.BackupMade(logger, file);
                BackupMade?.Invoke(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or StoreUnusableException)
            {
                // The store itself is fine (it was checked at open), or cannot be written just now; a failed copy must not stop the bot.
                Log.BackupFailed(logger, ex, StoreBackups.DirectoryFor(db.Path));
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Store backed up to {File}")]
        public static partial void BackupMade(ILogger logger, string file);

        [LoggerMessage(2, LogLevel.Error, "Store backup into {Directory} failed")]
        public static partial void BackupFailed(ILogger logger, Exception exception, string directory);
    }
}
