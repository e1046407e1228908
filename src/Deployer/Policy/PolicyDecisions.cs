using ChatOpsReconfig.Deployer.Events;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// The policy's latest answer, for <c>!status</c>: kept in the store (so a restart shows it at once), logged
/// and published when it changes.
/// </summary>
internal sealed partial class PolicyDecisions(IPolicyStateStore store, DeployerEvents events, TimeProvider time, ILogger<PolicyDecisions> logger)
{
    // Read once when the service is made, before the first tick, so !status shows it at once. The embedded store
    // answers synchronously; this is the only blocking wait on the store.
    private PolicyDecision? _last = store.LoadDecisionAsync(CancellationToken.None).GetAwaiter().GetResult();
    private bool _logged;

    public PolicyDecision? Last => _last;

    public async Task RecordAsync(PolicyDecision decision, CancellationToken cancellationToken)
    {
        var changed = !PolicyDecisionJson.SameAnswer(_last, decision);
        _last = decision;
        // The first answer of a process is logged even when a restart found it unchanged: the log shows where the policy stands.
        if (!changed && _logged) return;
        _logged = true;
        Log.Decision(logger, decision.Start, decision.Blocker, decision.Reason);
        if (!changed) return;
        await store.SaveDecisionAsync(decision, time.GetUtcNow(), cancellationToken);
        events.Publish(new PolicyChanged(decision));
    }

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Information, "Policy: start {Start}, blocker {Blocker}: {Reason}")]
        public static partial void Decision(ILogger logger, bool start, PolicyBlocker blocker, PolicyReason? reason);
    }
}
