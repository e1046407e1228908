namespace ChatOpsReconfig.Deployer.Store;

/// <summary>Every collection in the store, named in one place. All of them exist from the moment the store opens.</summary>
internal static class StoreCollections
{
    public const string Rollouts = "rollouts";
    public const string HostResults = "host_results";
    public const string HostStates = "host_states";
    public const string StoreStamps = "store_stamps";
    public const string RepoStates = "repo_states";
    public const string Merges = "merges";
    public const string LockHolds = "lock_holds";
    public const string Freezes = "freezes";
    public const string PolicyState = "policy_state";
    public const string LagAlarms = "lag_alarms";
    public const string RolloutRequests = "rollout_requests";
    public const string Audit = "audit";
    public const string Outbox = "outbox";
    public const string LiveEstimates = "live_estimates";
    public const string BugPlans = "bug_plans";
    public const string BugAlarms = "bug_alarms";

    /// <summary>Where builds before the generic outbox queued chat messages; moved into <see cref="Outbox"/> at open.</summary>
    public const string LegacyChatOutbox = "chat_outbox";

    public static IReadOnlyList<string> All { get; } =
    [
        Rollouts, HostResults, HostStates, StoreStamps, RepoStates, Merges, LockHolds, Freezes, PolicyState, LagAlarms,
        RolloutRequests, Audit, Outbox, LiveEstimates, BugPlans, BugAlarms,
    ];

    /// <summary>Secondary indexes (collection, document field), made when the store opens.</summary>
    public static IReadOnlyList<(string Collection, string Field)> Indexes { get; } =
    [
        (Merges, "Repo"), (HostResults, "RolloutId"), (Outbox, "State"), (Outbox, "Key"),
    ];
}
