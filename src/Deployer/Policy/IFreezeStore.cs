using ChatOpsReconfig.Deployer.Audit;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>An ad-hoc freeze (<c>!freeze 2h reason</c>): at most one at a time; a new one replaces it.</summary>
public sealed record AdHocFreeze
{
    /// <summary>As its opener gave it; empty when none was given (the Bot words that; older builds stored their words).</summary>
    public string Reason { get; init; } = "";

    public string ById { get; init; } = "";

    public string ByName { get; init; } = "";

    public DateTimeOffset Since { get; init; }

    public DateTimeOffset Until { get; init; }
}

/// <summary>Where the ad-hoc freeze and the freeze audit entries live; the store implements it (Store/).</summary>
public interface IFreezeStore
{
    Task<AdHocFreeze?> GetAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="freeze"/>, replacing any previous one (null removes it), and appends <paramref name="audit"/>,
    /// in one transaction: both are kept, or neither.
    /// </summary>
    Task SetAsync(AdHocFreeze? freeze, AuditEntry audit, CancellationToken cancellationToken);

    /// <summary>Appends an entry that comes with no change of the freeze (a refusal).</summary>
    Task AppendAuditAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="count"/> freeze audit entries, newest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAuditAsync(int count, CancellationToken cancellationToken);
}
