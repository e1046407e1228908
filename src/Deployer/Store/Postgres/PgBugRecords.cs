namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary><see cref="IBugRecords"/> in the PostgreSQL store.</summary>
internal sealed class PgBugRecords(PgDocuments docs, TimeProvider time) : IBugRecords
{
    public bool IsPlanned(int rolloutId) => docs.Get<BugPlan>(StoreCollections.BugPlans, Key(rolloutId)) is not null;

    public void MarkPlanned(int rolloutId) => docs.Upsert(StoreCollections.BugPlans, Key(rolloutId), new BugPlan { Id = rolloutId, PlannedAt = time.GetUtcNow() }, rolloutId);

    public int? LastPlanned() => docs.Find<BugPlan>(StoreCollections.BugPlans, null, "num DESC", 1).FirstOrDefault()?.Id;

    public bool TryRaiseFailing(string tracker, DateTimeOffset at) => docs.Write(_ =>
    {
        if (docs.Get<BugAlarm>(StoreCollections.BugAlarms, tracker) is not null) return false;
        docs.Upsert(StoreCollections.BugAlarms, tracker, new BugAlarm { Id = tracker, Since = at });
        return true;
    });

    public bool TryClearFailing(string tracker) =>
        docs.Get<BugAlarm>(StoreCollections.BugAlarms, tracker) is not null && docs.Delete(StoreCollections.BugAlarms, tracker);

    private static string Key(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
