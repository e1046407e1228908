using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Policy;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>The ad-hoc freeze as one document in the LiteDB store; audit entries in the store's <see cref="AuditLog"/>.</summary>
internal sealed class FreezeStore(StoreDatabase db) : IFreezeStore
{
    /// <summary>The <see cref="AuditEntry.Area"/> of freeze entries.</summary>
    public const string AuditArea = "freeze";

    private const string AdHocId = "adhoc";

    private readonly AuditLog _audit = new(db);

    private ILiteCollection<FreezeDocument> Freezes => db.Collection<FreezeDocument>(StoreCollections.Freezes);

    public Task<AdHocFreeze?> GetAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Freezes.FindById(AdHocId)?.Freeze);
    }

    public Task SetAsync(AdHocFreeze? freeze, AuditEntry audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        db.Write(() =>
        {
            _audit.Append(audit with { Area = AuditArea });
            if (freeze is null) Freezes.Delete(AdHocId);
            else Freezes.Upsert(new FreezeDocument { Id = AdHocId, Freeze = freeze });
        });
        return Task.CompletedTask;
    }

    public Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _audit.Append(entry with { Area = AuditArea });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_audit.Latest(count, AuditArea));
    }

    internal sealed record FreezeDocument
    {
        public string Id { get; init; } = "";

        public AdHocFreeze Freeze { get; init; } = new();
    }
}
