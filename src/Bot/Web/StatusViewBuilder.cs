using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using Microsoft.Extensions.Options;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>
/// Builds the <see cref="StatusView"/> the page, <c>/api/status</c>, <c>/metrics</c> and <c>check-lag</c> read, from
/// the store and the running services (no SSH), and the "when will it be live?" estimate per repo.
/// </summary>
internal sealed class StatusViewBuilder(
    FleetConfig fleet,
    IRepoStatus repos,
    IRolloutStore store,
    RolloutCoordinator coordinator,
    AutoDeployLoop loop,
    LockService locks,
    FreezeService freezes,
    ChatOutbox outbox,
    Hosting.BotOptions options,
    IOptions<PolicyOptions> policy,
    Hosting.LeaderState leadership,
    Announcements.ChatClock clock,
    TimeProvider time)
{
    public const int RecentRollouts = 20;

    /// <summary>A failing repo is polled at most this far apart (the watcher's backoff cap), plus slack.</summary>
    private static readonly TimeSpan FailingPollBound = TimeSpan.FromMinutes(16);

    public async Task<StatusView> BuildAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var repoStates = await repos.GetReposAsync(cancellationToken);
        // Read once for every repo: the table, the lag and the estimates all ask for them.
        var undeployed = (await repos.GetUndeployedMergesAsync(null, cancellationToken)).ToLookup(m => m.Repo, StringComparer.Ordinal);
        var heads = repoStates.Where(r => r.Head is not null).ToDictionary(r => r.Id, r => r.Head!, StringComparer.Ordinal);
        var states = (await store.GetHostStatesAsync(cancellationToken)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        var rows = FleetStatus.Build(fleet, heads, states);
        var lagSince = LagSince(repoStates, undeployed);
        var repoNames = fleet.Repos.Keys.ToList();

        var hosts = rows.Select(r => Host(r, repoNames, lagSince, now)).ToList();
        var counts = FleetStatus.Count(rows);
        var summary = rows.Count > 0 && counts.GetValueOrDefault(HostLagState.InSync) == rows.Count
            ? $"{rows.Count} hosts: all in sync"
            : $"{rows.Count} hosts: " + string.Join(", ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} {HostText.Lag(kv.Key)}"));

        var holds = (await locks.GetAsync(cancellationToken)).ActiveAt(now);
        var open = await freezes.GetOpenAsync(cancellationToken);
        var running = coordinator.Current;
        var recent = await store.LatestAsync(RecentRollouts, cancellationToken);
        var eta = new EtaContext(now, clock.Zone, QuietUntil(repoStates), holds, open, running?.Rollout, recent, undeployed);

        var details = repoStates.Select(r => Repo(r, states, eta)).ToList();
        return new StatusView(
            now,
            summary,
            counts.ToDictionary(kv => Key(kv.Key), kv => kv.Value, StringComparer.Ordinal),
            repoNames,
            hosts,
            details,
            holds.Select(h => new HoldView(HoldText.Holder(h), HoldText.Reason(h), h.Since, h.ExpiresAt)).ToList(),
            open.Select(f => new FreezeView(FreezeText.Reason(f.Reason, f.By), f.Until, f.By)).ToList(),
            await loop.LastDecisionAsync(cancellationToken) is { } decision ? clock.Policy(decision) : "not evaluated yet",
            running is null ? null : new RunningView(running.Rollout.Id, running.Rollout.StartedBy, running.Rollout.StartedAt, running.Done, running.Total, running.Failed),
            recent.Select(Rollout).ToList(),
            await HealthAsync(now, repoStates, cancellationToken));
    }

    /// <summary>The estimate for one repo's production head (what <c>!status</c> and <c>/api/live</c> show).</summary>
    public async Task<LiveEstimate?> EstimateAsync(string repo, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var repoStates = await repos.GetReposAsync(cancellationToken);
        var state = repoStates.FirstOrDefault(r => r.Id == repo);
        if (state?.Head is null) return null;
        var holds = (await locks.GetAsync(cancellationToken)).ActiveAt(now);
        var open = await freezes.GetOpenAsync(cancellationToken);
        var undeployed = (await repos.GetUndeployedMergesAsync(repo, cancellationToken)).ToLookup(m => m.Repo, StringComparer.Ordinal);
        var eta = new EtaContext(now, clock.Zone, QuietUntil(repoStates), holds, open, coordinator.Current?.Rollout, (await store.LatestAsync(RecentRollouts, cancellationToken)), undeployed);
        return Estimate(repo, state.Head, eta);
    }

    /// <summary>Whether the store answers and the loops are on time (for <c>/healthz</c>, without building the table).</summary>
    public async Task<HealthView> HealthAsync(CancellationToken cancellationToken) =>
        await HealthAsync(time.GetUtcNow(), await repos.GetReposAsync(cancellationToken), cancellationToken);

    /// <summary>The enum name lower-cased: the JSON value and the CSS class, for any state (<c>partial</c> too).</summary>
    public static string Key(HostLagState state) => state.ToString().ToLowerInvariant();

    /// <summary>Enabled hosts whose role carries <paramref name="repo"/>.</summary>
    public IEnumerable<HostConfig> Carriers(string repo) =>
        fleet.Hosts.Where(h => h.Enabled && fleet.Roles.TryGetValue(h.Role, out var role) && role.Repos.ContainsKey(repo));

    private static HostView Host(HostLag row, IReadOnlyList<string> repoNames, IReadOnlyDictionary<string, DateTimeOffset> lagSince, DateTimeOffset now)
    {
        var cells = repoNames.Select(name =>
        {
            var cell = row.Repos.FirstOrDefault(c => c.Repo == name);
            return cell is null ? new CellView(name, null, null, true) : new CellView(name, RevisionSet.Short(cell.OnHost), RevisionSet.Short(cell.Head), cell.InSync);
        }).ToList();
        DateTimeOffset? since = null;
        foreach (var c in row.Repos.Where(c => !c.InSync && c.Head is not null))
        {
            if (lagSince.TryGetValue(c.Repo, out var at) && (since is null || at < since)) since = at;
        }

        long? behind = row.State == HostLagState.Disabled || since is null ? null : (long)Math.Max(0, (now - since.Value).TotalSeconds);
        return new HostView(row.Host, row.Role, Key(row.State), HostText.Lag(row.State), cells, HostText.LagDetail(row), behind, row.LastRolloutId, row.LastRolloutAt);
    }

    /// <summary>Per repo, when its production head was first seen: the push, or for a baseline when the bot started watching it.</summary>
    private static IReadOnlyDictionary<string, DateTimeOffset> LagSince(IReadOnlyList<RepoState> repoStates, ILookup<string, Merge> undeployed)
    {
        var since = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var r in repoStates)
        {
            if (r.Head is null) continue;
            if (r.LastPushAt is { } pushed) since[r.Id] = pushed;
            else if (undeployed[r.Id].FirstOrDefault() is { } oldest) since[r.Id] = oldest.DetectedAt;
            else if (r.StatusSince is { } watched) since[r.Id] = watched;
        }

        return since;
    }

    private DateTimeOffset? QuietUntil(IReadOnlyList<RepoState> repoStates) =>
        repoStates
            .Where(r => r.LastPushAt is not null)
            .Select(r => r.LastPushAt!.Value + TimeSpan.FromMinutes(fleet.Repos.GetValueOrDefault(r.Id)?.QuietMinutes ?? policy.Value.QuietMinutes)) // filtered above
            .DefaultIfEmpty()
            .Max() is { } q && q != default ? q : null;

    private RepoView Repo(RepoState r, Dictionary<string, HostState> states, EtaContext eta)
    {
        var carriers = Carriers(r.Id).ToList();
        var behind = r.Head is null ? 0 : carriers.Count(h => !(states.TryGetValue(h.Name, out var s) && RevisionSet.Matches(s.Revisions.GetValueOrDefault(r.Id), r.Head)));
        var waiting = eta.Undeployed[r.Id].Select(m => new WaitingMerge(
            m.Id, RevisionSet.Short(m.NewHead), Math.Max(m.TotalCommits, m.Commits.Count),
            m.Commits.Select(c => c.Author).Distinct(StringComparer.Ordinal).ToList(), m.Bugs, m.DetectedAt)).ToList();
        var estimate = waiting.Count > 0 && r.Head is not null ? Estimate(r.Id, r.Head, eta) : null;
        return new RepoView(r.Id, r.Branch, r.Head, r.LastPushAt, r.LastPollOk || r.LastPollAt is null, r.LastPollOk ? null : SafeText.Clean(RepoText.LastFailure(r), 200),
            carriers.Count, behind, waiting, estimate is null ? null : $"{r.Id} {RevisionSet.Short(r.Head)}: {estimate.Text}", estimate?.LiveAt);
    }

    private LiveEstimate Estimate(string repo, string head, EtaContext eta)
    {
        var carriers = Carriers(repo).Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        var running = eta.Running is { } rollout && rollout.Revisions.TryGetValue(repo, out var rev) && RevisionSet.Matches(rev, head) ? rollout.StartedAt : (DateTimeOffset?)null;
        if (running is null)
        {
            // The policy rolls out a head once (a failed rollout is alarmed, not retried), and never a baseline.
            var deployNow = $"{options.Chat.Prefix}deploy now";
            var tried = eta.Recent.FirstOrDefault(r => r.State != RolloutState.Running && r.Revisions.TryGetValue(repo, out var carried) && RevisionSet.Matches(carried, head));
            if (tried is not null)
                return new LiveEstimate(null, $"no automatic rollout planned: rollout #{tried.Id} ({tried.State.ToString().ToLowerInvariant()}) already carried it; {deployNow} rolls the rest forward");
            if (!eta.Undeployed[repo].Any())
                return new LiveEstimate(null, $"no automatic rollout planned: no merge waiting; {deployNow} rolls the lagging hosts forward");
        }

        return LiveEta.Estimate(new EtaInput
        {
            Now = eta.Now,
            Zone = eta.Zone,
            QuietUntil = eta.QuietUntil,
            Holds = eta.Holds.Select(h => new EtaHold(HoldText.Holder(h), h.ExpiresAt)).ToList(),
            FreezeUntil = eta.Freezes.MaxBy(f => f.Until)?.Until,
            FreezeReason = eta.Freezes.MaxBy(f => f.Until) is { } last ? FreezeText.Reason(last.Reason, last.By) : null,
            RolloutDuration = LiveEta.ExpectedDuration(eta.Recent, carriers),
            RolloutStartedAt = running,
        });
    }

    private static RolloutView Rollout(RolloutRecord r) =>
        new(r.Id, r.State.ToString().ToLowerInvariant(), r.StartedAt, r.FinishedAt, r.StartedBy, RolloutText.Reason(r), r.Revisions, r.Hosts.Count, RolloutText.SummaryOrNull(r));

    private async Task<HealthView> HealthAsync(DateTimeOffset now, IReadOnlyList<RepoState> repoStates, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var storeOk = true;
        try
        {
            _ = await store.LatestAsync(1, cancellationToken);
        }
        catch (Exception ex) when (Deployer.Store.StoreErrors.IsStoreFailure(ex))
        {
            storeOk = false;
            problems.Add("store unreachable: " + ex.GetType().Name);
        }

        double? tickAge = loop.LastTickAt is { } tick ? Math.Max(0, (now - tick).TotalSeconds) : null;
        var tickBound = TimeSpan.FromSeconds((3 * policy.Value.TickSeconds) + 60);
        var tickLate = tickAge > tickBound.TotalSeconds;
        if (tickLate) problems.Add($"policy loop last ticked {tickAge:0}s ago");

        var lastPoll = repoStates.Where(r => r.LastPollAt is not null).Select(r => r.LastPollAt!.Value).DefaultIfEmpty().Max(); // filtered
        double? pollAge = lastPoll == default ? null : Math.Max(0, (now - lastPoll).TotalSeconds);
        var slowest = fleet.Repos.Values.Select(r => r.PollSeconds ?? 60).DefaultIfEmpty(60).Max();
        var pollBound = repoStates.Any(r => r.LastPollOk) ? TimeSpan.FromSeconds((3 * slowest) + 60) : FailingPollBound + TimeSpan.FromSeconds(3 * slowest);
        var pollLate = pollAge > pollBound.TotalSeconds;
        if (pollLate) problems.Add($"repo watcher last polled {pollAge:0}s ago");

        var pending = storeOk ? await outbox.PendingAsync(cancellationToken) : [];
        var chatOk = !pending.Any(e => e.Attempts > 0);
        if (!chatOk) problems.Add($"chat: {pending.Count} message(s) waiting, delivery failing");
        var leader = leadership.Current;
        var instance = new InstanceView(leadership.Instance, leadership.Role, leader?.Instance, leader?.Since);
        return new HealthView(storeOk, tickAge, pollAge, chatOk, pending.Count, !storeOk || tickLate || pollLate, problems, instance);
    }

    private sealed record EtaContext(
        DateTimeOffset Now,
        TimeZoneInfo Zone,
        DateTimeOffset? QuietUntil,
        IReadOnlyList<Hold> Holds,
        IReadOnlyList<OpenFreeze> Freezes,
        RolloutRecord? Running,
        IReadOnlyList<RolloutRecord> Recent,
        ILookup<string, Merge> Undeployed);
}
