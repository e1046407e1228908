namespace ChatOpsReconfig.Bot.Web;

/// <summary>Everything the status page shows, as <c>/api/status</c> returns it.</summary>
internal sealed record StatusView(
    DateTimeOffset GeneratedAt,
    string Summary,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<string> Repos,
    IReadOnlyList<HostView> Hosts,
    IReadOnlyList<RepoView> RepoDetails,
    IReadOnlyList<HoldView> Holds,
    IReadOnlyList<FreezeView> Freezes,
    string Policy,
    RunningView? Running,
    IReadOnlyList<RolloutView> Rollouts,
    HealthView Health);

/// <summary>
/// One host's row. <see cref="State"/> is the lag state's name lower-cased (also the CSS class <c>state-NAME</c>),
/// <see cref="StateLabel"/> its words; <see cref="BehindSeconds"/> counts from when the newest production head the
/// host lacks was first seen (null when it lacks none).
/// </summary>
internal sealed record HostView(
    string Name,
    string Role,
    string State,
    string StateLabel,
    IReadOnlyList<CellView> Cells,
    string? Detail,
    long? BehindSeconds,
    int? LastRolloutId,
    DateTimeOffset? LastRolloutAt);

/// <summary>One repo on one host: short revisions, or null when the host does not carry the repo.</summary>
internal sealed record CellView(string Repo, string? OnHost, string? Head, bool InSync);

internal sealed record RepoView(
    string Name,
    string Branch,
    string? Head,
    DateTimeOffset? LastPushAt,
    bool PollOk,
    string? PollError,
    int HostsCarrying,
    int HostsBehind,
    IReadOnlyList<WaitingMerge> Waiting,
    string? Estimate,
    DateTimeOffset? EstimatedLiveAt);

internal sealed record WaitingMerge(int Id, string Head, int Commits, IReadOnlyList<string> Authors, IReadOnlyList<int> Bugs, DateTimeOffset DetectedAt);

internal sealed record HoldView(string Holder, string Reason, DateTimeOffset Since, DateTimeOffset ExpiresAt);

internal sealed record FreezeView(string Reason, DateTimeOffset Until, string? By);

internal sealed record RunningView(int Id, string StartedBy, DateTimeOffset StartedAt, int Done, int Total, int Failed);

internal sealed record RolloutView(
    int Id,
    string State,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string StartedBy,
    string Reason,
    IReadOnlyDictionary<string, string> Revisions,
    int Hosts,
    string? Summary);

/// <summary>
/// Whether the bot's view is current: ages of the policy loop's last tick and the newest repo poll, chat delivery.
/// <see cref="Stale"/> is true when either loop is late by more than three of its intervals plus a minute.
/// </summary>
internal sealed record HealthView(
    bool StoreOk,
    double? PolicyTickAgeSeconds,
    double? WatcherPollAgeSeconds,
    bool ChatConnected,
    int OutboxDepth,
    bool Stale,
    IReadOnlyList<string> Problems,
    InstanceView Instance);

/// <summary>
/// This bot and who leads: <see cref="Role"/> is <c>single</c> (alone on its store), <c>leader</c> or <c>standby</c>
/// (bots sharing a PostgreSQL store); <see cref="Leader"/> is null while nobody holds the lease.
/// </summary>
internal sealed record InstanceView(string Name, string Role, string? Leader, DateTimeOffset? LeaderSince);
