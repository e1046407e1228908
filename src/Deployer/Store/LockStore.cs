using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Locks;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>Holds in the LiteDB store, one document per holder; audit entries in the store's <see cref="AuditLog"/>.</summary>
internal sealed class LockStore(StoreDatabase db) : ILockStore
{
    /// <summary>The <see cref="AuditEntry.Area"/> of lock entries.</summary>
    public const string AuditArea = "lock";

    private readonly AuditLog _audit = new(db);

    private ILiteCollection<HoldDocument> Holds => db.Collection<HoldDocument>(StoreCollections.LockHolds);

    public Task<DeployLock> LoadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var holds = Holds.FindAll().Select(d => d.Hold).OrderBy(h => h.Since).ToList();
        return Task.FromResult(new DeployLock(holds));
    }

    public Task SaveAsync(DeployLock state, IReadOnlyList<AuditEntry> audit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        db.Write(() =>
        {
            // The entries first: a hold the store refuses then takes them back with it.
            foreach (var entry in audit) _audit.Append(entry with { Area = AuditArea });
            var keep = state.Holds.Select(h => h.HolderId).ToHashSet(StringComparer.OrdinalIgnoreCase); // LiteDB ids ignore case too
            foreach (var stale in Holds.FindAll().Where(d => !keep.Contains(d.Id)).ToList()) Holds.Delete(stale.Id);
            foreach (var hold in state.Holds) Holds.Upsert(new HoldDocument { Id = hold.HolderId, Hold = hold });
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

    internal sealed record HoldDocument
    {
        public string Id { get; init; } = "";

        public Hold Hold { get; init; } = new();
    }
}
