namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>Rollouts, their host results and the last known state of every host.</summary>
public interface IRolloutStore
{
    /// <summary>
    /// Saves a new rollout and the first results of its hosts in one transaction; returns the rollout's id, which the
    /// store also gives the <paramref name="hosts"/> (their <see cref="HostResult.RolloutId"/> and <see cref="HostResult.Id"/>).
    /// A rollout saved already ended comes with its announce entry (see <see cref="WriteAsync"/>).
    /// </summary>
    Task<int> InsertAsync(RolloutRecord rollout, IReadOnlyList<HostResult> hosts, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="writes"/> in order, in one transaction: all of them are kept, or none. The write that ends
    /// a rollout (running to any other state) also writes its announce entry (<see cref="Outbox.AnnounceEntries.Rollout"/>).
    /// </summary>
    Task WriteAsync(IReadOnlyList<RolloutWrite> writes, CancellationToken cancellationToken);

    Task<RolloutRecord?> GetAsync(int id, CancellationToken cancellationToken);

    Task<IReadOnlyList<HostResult>> GetHostsAsync(int rolloutId, CancellationToken cancellationToken);

    /// <summary>One host's part of a rollout, or null.</summary>
    Task<HostResult?> GetHostAsync(int rolloutId, string host, CancellationToken cancellationToken);

    Task<IReadOnlyList<RolloutRecord>> LatestAsync(int count, CancellationToken cancellationToken);

    Task<IReadOnlyList<RolloutRecord>> WithStateAsync(RolloutState state, CancellationToken cancellationToken);

    /// <summary>Whether any rollout is in <paramref name="state"/>; cheaper than <see cref="WithStateAsync"/> where the store can.</summary>
    Task<bool> AnyWithStateAsync(RolloutState state, CancellationToken cancellationToken);

    Task<IReadOnlyList<HostState>> GetHostStatesAsync(CancellationToken cancellationToken);

    Task<HostState?> GetHostStateAsync(string host, CancellationToken cancellationToken);
}

/// <summary>
/// One write of a rollout, as data: <see cref="IRolloutStore.WriteAsync"/> applies a list of them in one transaction
/// (the embedded store binds a transaction to its thread, so a batch cannot be a piece of async code run inside one).
/// </summary>
public abstract record RolloutWrite
{
    private RolloutWrite()
    {
    }

    /// <summary>Replaces the stored rollout with <paramref name="Rollout"/> (same id).</summary>
    public sealed record UpdateRollout(RolloutRecord Rollout) : RolloutWrite;

    /// <summary>Saves one host's result in a rollout (inserted or replaced).</summary>
    public sealed record SaveHost(HostResult Result) : RolloutWrite;

    /// <summary>
    /// Saves a host's latest state. With <paramref name="KeepStoredRevisions"/>, the revisions (and their time) of the
    /// state already stored are kept, when there is one: the run could not read what the host runs now.
    /// </summary>
    public sealed record SaveHostState(HostState State, bool KeepStoredRevisions = false) : RolloutWrite;

    /// <summary>
    /// What a revision probe that began at <paramref name="StartedAt"/> found: the revisions it read, or why it could
    /// not connect. Merged into the stored state in the write's transaction, and dropped when a rollout finished the
    /// host, or another read saw its revisions, after the probe began: a probe racing a rollout must not move the
    /// host's state backward.
    /// </summary>
    public sealed record SaveProbe(string Host, DateTimeOffset StartedAt, DateTimeOffset At, IReadOnlyDictionary<string, string>? Revisions, HostFailure? Unreachable)
        : RolloutWrite
    {
        /// <summary>The state to store, or null when the stored one is newer than this probe.</summary>
        public HostState? ApplyTo(HostState? stored)
        {
            if (stored?.LastRolloutAt > StartedAt || stored?.RevisionsAt > StartedAt) return null;
            var state = stored ?? new HostState { Id = Host };
            if (Revisions is null) return state with { LastOutcome = HostOutcome.Unreachable, LastFailure = Unreachable, LegacyLastError = null };
            state = state with { Revisions = new Dictionary<string, string>(Revisions, StringComparer.Ordinal), RevisionsAt = At };
            return state.LastOutcome == HostOutcome.Unreachable ? state with { LastOutcome = HostOutcome.Pending, LastFailure = null, LegacyLastError = null } : state;
        }
    }
}

/// <summary>Single writes, each its own transaction.</summary>
public static class RolloutStoreWrites
{
    public static Task<int> InsertAsync(this IRolloutStore store, RolloutRecord rollout, CancellationToken cancellationToken) =>
        store.InsertAsync(rollout, [], cancellationToken);

    public static Task UpdateAsync(this IRolloutStore store, RolloutRecord rollout, CancellationToken cancellationToken) =>
        store.WriteAsync([new RolloutWrite.UpdateRollout(rollout)], cancellationToken);

    public static Task SaveHostAsync(this IRolloutStore store, HostResult result, CancellationToken cancellationToken) =>
        store.WriteAsync([new RolloutWrite.SaveHost(result)], cancellationToken);

    public static Task SaveHostStateAsync(this IRolloutStore store, HostState state, CancellationToken cancellationToken) =>
        store.WriteAsync([new RolloutWrite.SaveHostState(state)], cancellationToken);
}
