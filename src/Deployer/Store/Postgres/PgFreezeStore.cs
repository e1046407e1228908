using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>The ad-hoc freeze in the PostgreSQL store; the twin of <see cref="FreezeStore"/>.</summary>
internal sealed class PgFreezeStore(PgDocuments docs) : IFreezeStore
{
    private const string AdHocId = "adhoc";

    private readonly PgAuditLog _audit = new(docs);

    public Task<AdHocFreeze?> GetAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Get<AdHocFreeze>(StoreCollections.Freezes, AdHocId));
    }

    public Task SetAsync(AdHocFreeze? freeze, AuditEntry audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        docs.Write(_ =>
        {
            _audit.Append(audit with { Area = FreezeStore.AuditArea });
            if (freeze is null) docs.Delete(StoreCollections.Freezes, AdHocId);
            else docs.Upsert(StoreCollections.Freezes, AdHocId, freeze);
        });
        return Task.CompletedTask;
    }

    public Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _audit.Append(entry with { Area = FreezeStore.AuditArea });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_audit.Latest(count, FreezeStore.AuditArea));
    }
}
