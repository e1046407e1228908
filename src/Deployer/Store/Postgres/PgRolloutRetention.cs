using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>The twin of <see cref="RolloutRetention"/>: a host result's number is its rollout's id.</summary>
internal sealed class PgRolloutRetention(PgDocuments docs, StoreOptions options) : IRolloutRetention
{
    public Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Write(tx =>
        {
            var newest = tx.Scalar<long?>($"SELECT max(num) FROM {PgTables.Documents} WHERE collection = @c", StoreCollections.Rollouts);
            if (newest is not { } n || n - options.KeepRolloutDetail < 1) return 0;
            return tx.Execute($"DELETE FROM {PgTables.Documents} WHERE collection = @c AND num <= @cutoff", StoreCollections.HostResults, ("cutoff", n - options.KeepRolloutDetail));
        }));
    }
}
