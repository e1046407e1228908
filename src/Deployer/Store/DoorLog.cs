using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>The door's answers in the LiteDB store.</summary>
internal sealed class DoorLog(StoreDatabase db) : IDoorLog
{
    public Task RecordAsync(DoorAnswer answer, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var entry = DoorEntry.From(answer, at);
        db.Write(() => db.Collection<DoorEntry>(StoreCollections.RolloutRequests).Insert(entry));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DoorEntry>> LatestAsync(int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<DoorEntry>>(
            db.Collection<DoorEntry>(StoreCollections.RolloutRequests).Query().OrderByDescending(e => e.Id).Limit(count).ToList());
    }
}
