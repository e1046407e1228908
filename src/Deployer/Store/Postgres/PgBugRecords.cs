namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary><see cref="IBugRecords"/> in the PostgreSQL store.</summary>
internal sealed class PgBugRecords(PgDocuments docs, TimeProvider time) : IBugRecords
{
    public Task<bool> IsPlannedAsync(int rolloutId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Get<BugPlan>(StoreCollections.BugPlans, Key(rolloutId)) is not null);
    }

    public Task MarkPlannedAsync(int rolloutId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        docs.Upsert(StoreCollections.BugPlans, Key(rolloutId), new BugPlan { Id = rolloutId, PlannedAt = time.GetUtcNow() }, rolloutId);
        return Task.CompletedTask;
    }

    public Task<int?> LastPlannedAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Find<BugPlan>(StoreCollections.BugPlans, null, "num DESC", 1).FirstOrDefault()?.Id);
    }

    public Task<bool> TryRaiseFailingAsync(string tracker, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Write(_ =>
        {
            if (docs.Get<BugAlarm>(StoreCollections.BugAlarms, tracker) is not null) return false;
            docs.Upsert(StoreCollections.BugAlarms, tracker, new BugAlarm { Id = tracker, Since = at });
            return true;
        }));
    }

    public Task<bool> TryClearFailingAsync(string tracker, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Get<BugAlarm>(StoreCollections.BugAlarms, tracker) is not null && docs.Delete(StoreCollections.BugAlarms, tracker));
    }

    private static string Key(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
