using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using ChatOpsReconfig.Deployer.Store.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Deployer.Store;

public static class StoreSetup
{
    /// <summary>The store (opened at first use) and every feature's store on it: LiteDB or PostgreSQL, as <c>store.kind</c> says.</summary>
    public static IServiceCollection AddStore(this IServiceCollection services, FleetConfig fleet, bool readOnly)
    {
        var options = StoreOptions.From(fleet);
        services.AddSingleton(options);
        services.AddSingleton(sp => new StoreHealth(sp.GetRequiredService<TimeProvider>()));
        return options.IsPostgres ? services.AddPostgresStore(options, readOnly) : services.AddLiteDbStore(fleet, readOnly);
    }

    private static IServiceCollection AddLiteDbStore(this IServiceCollection services, FleetConfig fleet, bool readOnly)
    {
        services.AddSingleton(sp => new StoreDatabase(fleet.StorePath!, readOnly, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<StoreHealth>()));
        services.AddSingleton(new StoreOpener(sp => sp.GetRequiredService<StoreDatabase>()));
        services.AddSingleton<IAuditLog, AuditLog>();
        services.AddSingleton(sp => new StoreBackupLoop(sp.GetRequiredService<StoreDatabase>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<StoreBackupLoop>>()));
        services.AddSingleton<IRolloutRetention>(sp => new RolloutRetention(sp.GetRequiredService<StoreDatabase>(), sp.GetRequiredService<StoreOptions>()));
        services.AddSingleton<IOutboxStore, LiteOutboxStore>();
        services.AddSingleton<IRolloutStore, RolloutStore>();
        services.AddSingleton<IRepoStore, RepoStore>();
        services.AddSingleton<ILockStore, LockStore>();
        services.AddSingleton<IFreezeStore, FreezeStore>();
        services.AddSingleton<IDoorLog, DoorLog>();
        services.AddSingleton<IPolicyStateStore, PolicyStateStore>();
        services.AddSingleton<ILiveEstimateStore, LiveEstimateStore>();
        services.AddSingleton<IBugRecords, LiteBugRecords>();
        services.AddSingleton<Bugs.IBugCommentOutbox, BugCommentOutbox>();
        return services;
    }

    private static IServiceCollection AddPostgresStore(this IServiceCollection services, StoreOptions options, bool readOnly)
    {
        services.AddSingleton(_ => new PgStore(options, Environment.GetEnvironmentVariable));
        // A verb that writes holds the lease while it runs (the bot's lease loop leads instead; read-only verbs need none).
        services.AddSingleton(sp => PgVerbLease.Take(sp.GetRequiredService<PgStore>().LeaseSource, sp.GetRequiredService<PgDocuments>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(new StoreOpener(sp =>
        {
            var store = sp.GetRequiredService<PgStore>();
            if (!readOnly && sp.GetService<LeaseHeldByLoop>() is null) sp.GetRequiredService<PgVerbLease>();
            return store;
        }));
        services.AddSingleton(sp => new PgDocuments(sp.GetRequiredService<PgStore>().Source, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IAuditLog, PgAuditLog>();
        services.AddSingleton<IRolloutRetention, PgRolloutRetention>();
        services.AddSingleton<IOutboxStore, PgOutboxStore>();
        services.AddSingleton<IRolloutStore, PgRolloutStore>();
        services.AddSingleton<IRepoStore, PgRepoStore>();
        services.AddSingleton<ILockStore, PgLockStore>();
        services.AddSingleton<IFreezeStore, PgFreezeStore>();
        services.AddSingleton<IDoorLog, PgDoorLog>();
        services.AddSingleton<IPolicyStateStore, PgPolicyStateStore>();
        services.AddSingleton<ILiveEstimateStore, PgLiveEstimateStore>();
        services.AddSingleton<IBugRecords, PgBugRecords>();
        services.AddSingleton<Bugs.IBugCommentOutbox, BugCommentOutbox>();
        return services;
    }

    /// <summary>
    /// Opens the store now (LiteDB: lock, integrity check, file; PostgreSQL: connect, schema), so that a store that
    /// cannot be used is reported before anything else starts; throws <see cref="StoreUnusableException"/>.
    /// </summary>
    public static void OpenStore(this IServiceProvider services) => services.GetRequiredService<StoreOpener>().Open(services);

    /// <summary>Whether the store is the embedded file (backups, integrity checks and the file lock apply to it only).</summary>
    public static bool IsEmbeddedStore(this IServiceProvider services) => !services.GetRequiredService<StoreOptions>().IsPostgres;
}

/// <summary>How the configured store is opened.</summary>
internal sealed record StoreOpener(Func<IServiceProvider, object> Open);
