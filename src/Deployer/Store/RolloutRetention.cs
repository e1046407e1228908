using ChatOpsReconfig.Deployer.Rollout;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>
/// Drops the per-host results of all but the newest <see cref="StoreOptions.KeepRolloutDetail"/> rollouts, so the store
/// grows by a rollout's summary, not by its thousands of host results; the rollout records themselves stay forever.
/// </summary>
internal sealed class RolloutRetention : IRolloutRetention
{
    private readonly StoreDatabase db;
    private readonly StoreOptions options;

    internal RolloutRetention(StoreDatabase db, StoreOptions options)
    {
        this.db = db;
        this.options = options;
    }

    public Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Prune());
    }

    private int Prune()
    {
        var rollouts = db.Collection<BsonDocument>(StoreCollections.Rollouts);
        var newest = rollouts.Query().OrderByDescending("_id").Limit(1).FirstOrDefault()?["_id"];
        if (newest is not { IsNumber: true }) return 0;
        var cutoff = newest.AsInt32 - options.KeepRolloutDetail;
        if (cutoff < 1) return 0;
        // Indexed on RolloutId (StoreCollections.Indexes).
        return db.Collection<BsonDocument>(StoreCollections.HostResults).DeleteMany(Query.LTE("RolloutId", cutoff));
    }
}
