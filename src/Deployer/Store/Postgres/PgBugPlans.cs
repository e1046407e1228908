namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary><see cref="IBugPlans"/> in the PostgreSQL store.</summary>
internal sealed class PgBugPlans(PgDocuments docs, TimeProvider time) : IBugPlans
{
    public bool IsPlanned(int rolloutId) => docs.Get<BugPlan>(StoreCollections.BugPlans, Key(rolloutId)) is not null;

    public void MarkPlanned(int rolloutId) => docs.Upsert(StoreCollections.BugPlans, Key(rolloutId), new BugPlan { Id = rolloutId, PlannedAt = time.GetUtcNow() }, rolloutId);

    public int? LastPlanned() => docs.Find<BugPlan>(StoreCollections.BugPlans, null, "num DESC", 1).FirstOrDefault()?.Id;

    private static string Key(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
