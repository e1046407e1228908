using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// The policy's latest one-line answer, for <c>!status</c>: kept in the store (so a restart shows it at once), logged
/// and published when it changes.
/// </summary>
internal sealed partial class PolicyDecisions(StoreDatabase db, DeployerEvents events, TimeProvider time, ILogger<PolicyDecisions> logger)
{
    private const string Collection = StoreCollections.PolicyState;
    private const string LastId = "last";

    private PolicyDecision? _last = Load(db);
    private bool _logged;

    public PolicyDecision? Last => _last;

    public void Record(PolicyDecision decision)
    {
        var changed = _last?.Line != decision.Line;
        _last = decision;
        // The first answer of a process is logged even when a restart found it unchanged: the log shows where the policy stands.
        if (!changed && _logged) return;
        _logged = true;
        Log.Decision(logger, decision.Line);
        if (!changed) return;
        db.Collection<SavedDecision>(Collection).Upsert(new SavedDecision { Id = LastId, Line = decision.Line, Start = decision.Start, Blocker = decision.Blocker, At = time.GetUtcNow() });
        events.Publish(new PolicyChanged(decision));
    }

    private static PolicyDecision? Load(StoreDatabase db)
    {
        var saved = db.Collection<SavedDecision>(Collection).FindById(LastId);
        return saved is null ? null : new PolicyDecision { Line = saved.Line, Start = saved.Start, Blocker = saved.Blocker };
    }

    private sealed record SavedDecision
    {
        public string Id { get; init; } = "";

        public string Line { get; init; } = "";

        public bool Start { get; init; }

        public PolicyBlocker Blocker { get; init; }

        public DateTimeOffset At { get; init; }
    }

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Information, "Policy: {Line}")]
        public static partial void Decision(ILogger logger, string line);
    }
}
