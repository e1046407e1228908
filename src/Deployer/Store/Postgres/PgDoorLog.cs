using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>The door's answers in the PostgreSQL store; the twin of <see cref="DoorLog"/>.</summary>
internal sealed class PgDoorLog(PgDocuments docs) : IDoorLog
{
    public Task RecordAsync(DoorAnswer answer, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        docs.Write(_ =>
        {
            var id = docs.NextId(StoreCollections.RolloutRequests);
            docs.Upsert(StoreCollections.RolloutRequests, id.ToString(System.Globalization.CultureInfo.InvariantCulture), DoorEntry.From(answer, at) with { Id = id }, id);
        });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DoorEntry>> LatestAsync(int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Find<DoorEntry>(StoreCollections.RolloutRequests, null, "num DESC", count));
    }
}
