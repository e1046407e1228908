using ChatOpsReconfig.Deployer.Audit;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>The audit log in the PostgreSQL store; the twin of <see cref="AuditLog"/>.</summary>
internal sealed class PgAuditLog(PgDocuments docs) : IAuditLog
{
    public Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Append(entry));
    }

    public Task<IReadOnlyList<AuditEntry>> LatestAsync(int count, string? area, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Latest(count, area));
    }

    internal AuditEntry Append(AuditEntry entry) => docs.Write(_ =>
    {
        var saved = entry with { Id = docs.NextId(StoreCollections.Audit) };
        docs.Upsert(StoreCollections.Audit, saved.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), saved, saved.Id);
        return saved;
    });

    internal IReadOnlyList<AuditEntry> Latest(int count, string? area) => area is null
        ? docs.Find<AuditEntry>(StoreCollections.Audit, null, "num DESC", count)
        : docs.Find<AuditEntry>(StoreCollections.Audit, "doc->>'Area' = @area", "num DESC", count, ("area", area));
}
