namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>Rollouts, their host results and the last known state of every host.</summary>
public interface IRolloutStore
{
    /// <summary>Saves a new rollout; one saved already ended comes with its announce entry (see <see cref="Update"/>).</summary>
    int Insert(RolloutRecord rollout);

    /// <summary>
    /// Saves <paramref name="rollout"/>; the write that ends it (running to any other state) also writes its
    /// announce entry (<see cref="Outbox.AnnounceEntries.Rollout"/>) in the same transaction.
    /// </summary>
    void Update(RolloutRecord rollout);

    void SaveHost(HostResult result);

    void SaveHostState(HostState state);

    RolloutRecord? Get(int id);

    IReadOnlyList<HostResult> GetHosts(int rolloutId);

    /// <summary>One host's part of a rollout, or null.</summary>
    HostResult? GetHost(int rolloutId, string host) => GetHosts(rolloutId).FirstOrDefault(r => r.Host == host);

    IReadOnlyList<RolloutRecord> Latest(int count);

    IReadOnlyList<RolloutRecord> WithState(RolloutState state);

    /// <summary>Whether any rollout is in <paramref name="state"/>; cheaper than <see cref="WithState"/> where the store can.</summary>
    bool AnyWithState(RolloutState state) => WithState(state).Count > 0;

    IReadOnlyList<HostState> GetHostStates();

    HostState? GetHostState(string host);

    /// <summary>Runs several writes as one unit (one transaction where the store has them); synchronous work only.</summary>
    void Batch(Action work) => work();
}
