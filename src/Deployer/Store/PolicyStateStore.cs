using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>The policy's latest answer (collection <c>policy_state</c>) and raised lag alarms (<c>lag_alarms</c>).</summary>
internal sealed class PolicyStateStore(StoreDatabase db) : IPolicyStateStore
{
    private const string LastId = "last";

    public Task<PolicyDecision?> LoadDecisionAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var saved = db.Collection<SavedDecision>(StoreCollections.PolicyState).FindById(LastId);
        return Task.FromResult(saved?.ToDecision());
    }

    public Task SaveDecisionAsync(PolicyDecision decision, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var saved = SavedDecision.Of(LastId, decision, at);
        db.Write(() => db.Collection<SavedDecision>(StoreCollections.PolicyState).Upsert(saved));
        return Task.CompletedTask;
    }

    public Task<bool> TryRaiseAlarmAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var alarms = db.Collection<RaisedAlarm>(StoreCollections.LagAlarms);
        return Task.FromResult(db.Write(() =>
        {
            if (alarms.FindById(id) is not null) return false;
            alarms.Insert(new RaisedAlarm { Id = id, At = at });
            return true;
        }));
    }

    /// <summary>The decision as both stores keep it.</summary>
    internal sealed record SavedDecision
    {
        public static SavedDecision Of(string id, PolicyDecision decision, DateTimeOffset at) =>
            new() { Id = id, Decision = PolicyDecisionJson.Serialize(decision), At = at };

        /// <summary>The decision, or null for an entry written before decisions were data.</summary>
        public PolicyDecision? ToDecision() => PolicyDecisionJson.Deserialize(Decision);

        public string Id { get; init; } = "";

        /// <summary>The decision as JSON; empty in a store written before decisions were data (read as none).</summary>
        public string Decision { get; init; } = "";

        public DateTimeOffset At { get; init; }
    }

    private sealed record RaisedAlarm
    {
        public string Id { get; init; } = "";

        public DateTimeOffset At { get; init; }
    }
}
