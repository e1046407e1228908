using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>The policy's latest answer and raised lag alarms in the PostgreSQL store; the twin of <see cref="PolicyStateStore"/>.</summary>
internal sealed class PgPolicyStateStore(PgDocuments docs) : IPolicyStateStore
{
    private const string LastId = "last";

    public Task<PolicyDecision?> LoadDecisionAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var saved = docs.Get<PolicyStateStore.SavedDecision>(StoreCollections.PolicyState, LastId);
        return Task.FromResult(saved?.ToDecision());
    }

    public Task SaveDecisionAsync(PolicyDecision decision, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        docs.Upsert(StoreCollections.PolicyState, LastId, PolicyStateStore.SavedDecision.Of(LastId, decision, at));
        return Task.CompletedTask;
    }

    public Task<bool> TryRaiseAlarmAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(docs.Write(tx =>
            tx.Execute(
                $"INSERT INTO {PgTables.Documents} (collection, id, num, doc) VALUES (@c, @id, 0, jsonb_build_object('Id', @id::text, 'At', @at::text)) ON CONFLICT DO NOTHING",
                StoreCollections.LagAlarms, ("id", id), ("at", at.ToString("O", System.Globalization.CultureInfo.InvariantCulture))) == 1));
    }
}
