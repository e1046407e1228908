namespace ChatOpsReconfig.Deployer.Audit;

/// <summary>The append-only audit log every feature writes its changes and refusals to.</summary>
public interface IAuditLog
{
    /// <summary>Appends <paramref name="entry"/>; returns it with the id the store gave it.</summary>
    Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="count"/> entries of <paramref name="area"/> (all areas when null), newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> LatestAsync(int count, string? area, CancellationToken cancellationToken);
}
