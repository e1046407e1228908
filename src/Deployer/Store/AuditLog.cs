using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>The append-only audit log every feature writes its changes and refusals to.</summary>
public sealed class AuditLog(StoreDatabase db)
{
    private ILiteCollection<AuditEntry> Entries => db.Collection<AuditEntry>(StoreCollections.Audit);

    /// <summary>Appends <paramref name="entry"/>; returns it with the id the store gave it.</summary>
    public AuditEntry Append(AuditEntry entry) => entry with { Id = Entries.Insert(entry with { Id = 0 }).AsInt32 };

    /// <summary>The newest <paramref name="count"/> entries of <paramref name="area"/> (all areas when null), newest first.</summary>
    public IReadOnlyList<AuditEntry> Latest(int count, string? area = null)
    {
        var query = Entries.Query();
        if (area is not null) query = query.Where(e => e.Area == area);
        return query.OrderByDescending(e => e.Id).Limit(count).ToList();
    }
}
