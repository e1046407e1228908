using ChatOpsReconfig.Deployer.Status;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>Live estimates in the PostgreSQL store; the twin of <see cref="LiveEstimateStore"/>.</summary>
internal sealed class PgLiveEstimateStore(PgDocuments docs) : ILiveEstimateStore
{
    public Task SaveAsync(SavedEstimate estimate, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        docs.Upsert(StoreCollections.LiveEstimates, Key(estimate.Id), estimate, estimate.Id);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SavedEstimate>> GetUnresolvedAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Find<SavedEstimate>(StoreCollections.LiveEstimates, "(doc->>'Resolved')::boolean = false"));
    }

    public Task ResolveAsync(int mergeId, double errorSeconds, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        docs.Write(_ =>
        {
            if (docs.Get<SavedEstimate>(StoreCollections.LiveEstimates, Key(mergeId)) is { } saved)
                docs.Upsert(StoreCollections.LiveEstimates, Key(mergeId), saved with { Resolved = true, ErrorSeconds = errorSeconds }, mergeId);
        });
        return Task.CompletedTask;
    }

    private static string Key(int id) => id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
