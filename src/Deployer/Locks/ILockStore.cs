using ChatOpsReconfig.Deployer.Audit;

namespace ChatOpsReconfig.Deployer.Locks;

/// <summary>Where the holds and the lock's audit entries live; the store implements it (Store/).</summary>
public interface ILockStore
{
    Task<DeployLock> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Makes the stored holds exactly <paramref name="state"/>'s holds.</summary>
    Task SaveAsync(DeployLock state, CancellationToken cancellationToken);

    Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="count"/> lock audit entries, newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int count, CancellationToken cancellationToken);
}
