using ChatOpsReconfig.Deployer.Status;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>Live estimates in the LiteDB store (collection <c>live_estimates</c>).</summary>
internal sealed class LiveEstimateStore(StoreDatabase db) : ILiveEstimateStore
{
    private ILiteCollection<SavedEstimate> Estimates => db.Collection<SavedEstimate>(StoreCollections.LiveEstimates);

    public Task SaveAsync(SavedEstimate estimate, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        db.Write(() => Estimates.Upsert(estimate));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SavedEstimate>> GetUnresolvedAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<SavedEstimate>>(Estimates.Find(x => !x.Resolved).ToList());
    }

    public Task ResolveAsync(int mergeId, double errorSeconds, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        db.Write(() =>
        {
            if (Estimates.FindById(mergeId) is { } saved) Estimates.Update(saved with { Resolved = true, ErrorSeconds = errorSeconds });
        });
        return Task.CompletedTask;
    }
}
