using ChatOpsReconfig.Deployer.Store;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>An ad-hoc freeze (<c>!freeze 2h reason</c>): at most one at a time; a new one replaces it.</summary>
public sealed record AdHocFreeze
{
    public string Reason { get; init; } = "";

    public string ById { get; init; } = "";

    public string ByName { get; init; } = "";

    public DateTimeOffset Since { get; init; }

    public DateTimeOffset Until { get; init; }
}

/// <summary>Where the ad-hoc freeze and the freeze audit entries live; a shared server store may replace the LiteDB one.</summary>
public interface IFreezeStore
{
    Task<AdHocFreeze?> GetAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="freeze"/>, replacing any previous one; null removes it.</summary>
    Task SetAsync(AdHocFreeze? freeze, CancellationToken cancellationToken);

    Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="count"/> freeze audit entries, newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int count, CancellationToken cancellationToken);
}

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

    public Task SetAsync(AdHocFreeze? freeze, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (freeze is null) Freezes.Delete(AdHocId);
        else Freezes.Upsert(new FreezeDocument { Id = AdHocId, Freeze = freeze });
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
