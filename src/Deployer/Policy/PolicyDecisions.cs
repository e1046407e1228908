using ChatOpsReconfig.Deployer.Events;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// The policy's latest answer, for <c>!status</c>: kept in the store (so a restart shows it at once), logged
/// and published when it changes.
/// </summary>
internal sealed partial class PolicyDecisions(IPolicyStateStore store, DeployerEvents events, TimeProvider time, ILogger<PolicyDecisions> logger)
{
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private PolicyDecision? _last;
    private volatile bool _loaded;
    private bool _logged;

    /// <summary>The latest answer; the first call reads the one a previous process kept, so a restart shows it at once.</summary>
    public async ValueTask<PolicyDecision?> LastAsync(CancellationToken cancellationToken)
    {
        if (_loaded) return _last;
        await _loadGate.WaitAsync(cancellationToken);
        try
        {
            if (!_loaded)
            {
                _last = await store.LoadDecisionAsync(cancellationToken);
                _loaded = true;
            }

            return _last;
        }
        finally
        {
            _loadGate.Release();
        }
    }

    public async Task RecordAsync(PolicyDecision decision, CancellationToken cancellationToken)
    {
        await LastAsync(cancellationToken);
        var changed = !PolicyDecisionJson.SameAnswer(_last, decision);
        _last = decision;
        // The first answer of a process is logged even when a restart found it unchanged: the log shows where the policy stands.
        if (!changed && _logged) return;
        _logged = true;
        Log.Decision(logger, decision.Start, decision.Blocker, PolicyDecisionJson.ReasonJson(decision.Reason));
        if (!changed) return;
        await store.SaveDecisionAsync(decision, time.GetUtcNow(), cancellationToken);
        events.Publish(new PolicyChanged(decision));
    }

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Information, "Policy: start {Start}, blocker {Blocker}: {Reason}")]
        public static partial void Decision(ILogger logger, bool start, PolicyBlocker blocker, string reason);
    }
}
