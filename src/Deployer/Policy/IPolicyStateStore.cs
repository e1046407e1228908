namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>What the policy remembers across restarts: its latest answer and the lag alarms already raised.</summary>
public interface IPolicyStateStore
{
    Task<PolicyDecision?> LoadDecisionAsync(CancellationToken cancellationToken);

    Task SaveDecisionAsync(PolicyDecision decision, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Records the alarm <paramref name="id"/>; false when it was raised before (nothing changes then).</summary>
    Task<bool> TryRaiseAlarmAsync(string id, DateTimeOffset at, CancellationToken cancellationToken);
}
