using ChatOpsReconfig.Deployer.Audit;

namespace ChatOpsReconfig.Deployer.Locks;

/// <summary>Where the holds and the lock's audit entries live; the store implements it (Store/).</summary>
public interface ILockStore
{
    Task<DeployLock> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Makes the stored holds exactly <paramref name="state"/>'s holds and appends <paramref name="audit"/> (the
    /// change's entries), in one transaction: both are kept, or neither.
    /// </summary>
    Task SaveAsync(DeployLock state, IReadOnlyList<AuditEntry> audit, CancellationToken cancellationToken);

    /// <summary>Appends an entry that comes with no change of the holds (a refusal).</summary>
    Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="count"/> lock audit entries, newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int count, CancellationToken cancellationToken);
}
