using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Locks;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>Holds in the PostgreSQL store, one document per holder; the twin of <see cref="LockStore"/>.</summary>
internal sealed class PgLockStore(PgDocuments docs) : ILockStore
{
    private readonly PgAuditLog _audit = new(docs);

    public Task<DeployLock> LoadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new DeployLock(docs.Find<Hold>(StoreCollections.LockHolds).OrderBy(h => h.Since).ToList()));
    }

    public Task SaveAsync(DeployLock state, IReadOnlyList<AuditEntry> audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        docs.Write(tx =>
        {
            // The entries first: a hold the store refuses then takes them back with it.
            foreach (var entry in audit) _audit.Append(entry with { Area = LockStore.AuditArea });
            // Holders compare without case, as LiteDB's ids do: the key is the lower-case holder id.
            tx.Execute($"DELETE FROM {PgTables.Documents} WHERE collection = @c", StoreCollections.LockHolds);
            foreach (var hold in state.Holds) docs.Upsert(StoreCollections.LockHolds, hold.HolderId.ToLowerInvariant(), hold);
        });
        return Task.CompletedTask;
    }

    public Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _audit.Append(entry with { Area = LockStore.AuditArea });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_audit.Latest(count, LockStore.AuditArea));
    }
}
