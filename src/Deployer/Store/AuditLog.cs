using ChatOpsReconfig.Deployer.Audit;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>The audit log in the LiteDB store, one collection for every area.</summary>
internal sealed class AuditLog(StoreDatabase db) : IAuditLog
{
    private ILiteCollection<AuditEntry> Entries => db.Collection<AuditEntry>(StoreCollections.Audit);

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

    /// <summary>Appends inside the caller's write, if any.</summary>
    internal AuditEntry Append(AuditEntry entry) => entry with { Id = db.Write(() => Entries.Insert(entry with { Id = 0 }).AsInt32) };

    internal IReadOnlyList<AuditEntry> Latest(int count, string? area)
    {
        var query = Entries.Query();
        if (area is not null) query = query.Where(e => e.Area == area);
        return query.OrderByDescending(e => e.Id).Limit(count).ToList();
    }
}
