using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>
/// Turns a finished rollout into bug comments in the outbox: one per bug per tracker, naming the commits it deployed
/// and how many of the hosts carrying them took them, plus a catch-up note for earlier partial rollouts whose missing
/// hosts this one completed. Planning a rollout twice adds nothing (the outbox's keys, and the plan record).
/// </summary>
internal sealed class BugCommentPlanner(
    BugTrackers trackers,
    FleetConfig fleet,
    IRolloutStore rollouts,
    IBugCommentOutbox outbox,
    IBugCommentText words,
    TimeProvider time,
    ILogger<BugCommentPlanner> logger)
{
    /// <summary>How many earlier rollouts are looked at for hosts that caught up.</summary>
    private const int CatchUpWindow = 20;

    /// <summary>The starting point of a store without rollouts (not 0: the store takes an id of 0 for "assign one").</summary>
    private const int BeforeTheFirst = -1;

    /// <summary>Plans <paramref name="rollout"/>'s comments unless done before; returns how many were added.</summary>
    public async Task<int> PlanAsync(RolloutRecord rollout, IReadOnlyList<HostResult> results, CancellationToken cancellationToken)
    {
        if (trackers.Options.Count == 0 || rollout.State == RolloutState.Running || await outbox.IsPlannedAsync(rollout.Id, cancellationToken)) return 0;
        var added = 0;
        // A rollback deploys nothing new: saying "deployed" on the bugs of the set it returns to would mislead.
        if (rollout.RollbackTo is null)
        {
            foreach (var (name, options) in trackers.Options)
                added += await PlanTrackerAsync(name, options, rollout, results, cancellationToken);
        }

        await outbox.MarkPlannedAsync(rollout.Id, cancellationToken);
        return added;
    }

    /// <summary>
    /// At start-up: plans every finished rollout newer than the last one planned (a crash may have come between the
    /// rollout's end and its planning). The first time, the newest rollout is the starting point, so switching the
    /// feature on does not comment on old rollouts. A rollout the crash left running is planned once the start-up marks
    /// it interrupted (<see cref="RolloutInterrupted"/>), whichever of the two runs first.
    /// </summary>
    public async Task<int> CatchUpAfterRestartAsync(CancellationToken cancellationToken)
    {
        if (trackers.Options.Count == 0) return 0;
        var latest = await rollouts.LatestAsync(CatchUpWindow, cancellationToken);
        if (await outbox.LastPlannedAsync(cancellationToken) is not { } last)
        {
            // With no rollout yet the starting point is "before the first": were nothing marked, a first rollout a
            // crash interrupts would be taken for an old one at the restart, and its bugs never told.
            await outbox.MarkPlannedAsync(latest.Count > 0 ? latest.Max(r => r.Id) : BeforeTheFirst, cancellationToken);
            return 0;
        }

        var added = 0;
        foreach (var r in latest.Where(r => r.State != RolloutState.Running && r.Id > last).OrderBy(r => r.Id)) added += await PlanStoredAsync(r, cancellationToken);
        return added;
    }

    /// <summary>
    /// A rollout the start-up marked interrupted: planned as a finished one (its hosts that finished took its commits),
    /// unless it is older than the starting point (it ran before the feature was switched on).
    /// </summary>
    public async Task<int> PlanInterruptedAsync(RolloutRecord rollout, CancellationToken cancellationToken) =>
        await outbox.LastPlannedAsync(cancellationToken) is { } last && rollout.Id < last ? 0 : await PlanStoredAsync(rollout, cancellationToken);

    private async Task<int> PlanStoredAsync(RolloutRecord rollout, CancellationToken cancellationToken) =>
        await PlanAsync(rollout, await rollouts.GetHostsAsync(rollout.Id, cancellationToken), cancellationToken);

    private async Task<int> PlanTrackerAsync(string name, BugTrackerOptions options, RolloutRecord rollout, IReadOnlyList<HostResult> results, CancellationToken cancellationToken)
    {
        var repos = options.Repos.ToHashSet(StringComparer.Ordinal);
        var commits = CommitsByBug(rollout, repos);
        var catchUps = await CatchUpsAsync(rollout, results, repos, commits, cancellationToken);
        var added = 0;
        foreach (var bug in commits.Keys.Union(catchUps.Keys).Order())
        {
            var mine = commits.GetValueOrDefault(bug) ?? [];
            var hosts = HostsFor(mine.Select(c => c.Repo), results);
            var ups = catchUps.GetValueOrDefault(bug) ?? [];
            if (hosts.Ok == 0) mine = []; // nothing of it is live yet; a later rollout's catch-up reports it
            if (mine.Count == 0 && ups.Count == 0) continue;
            var text = words.Render(options.Template, bug, rollout, mine, hosts, ups, fleet, trackers.StatusUrl);
            var now = time.GetUtcNow();
            var entry = new BugCommentEntry
            {
                Key = BugCommentEntry.KeyOf(name, bug, rollout.Id), Tracker = name, Bug = bug, RolloutId = rollout.Id, Text = text,
                CreatedAt = now, NextAttemptAt = now,
            };
            if (await outbox.TryAddAsync(entry, cancellationToken))
            {
                added++;
                BugsLog.Planned(logger, name, bug, rollout.Id);
            }
        }

        return added;
    }

    private static Dictionary<int, List<BugCommit>> CommitsByBug(RolloutRecord rollout, HashSet<string> repos)
    {
        var byBug = new Dictionary<int, List<BugCommit>>();
        foreach (var change in rollout.Changes.Where(c => repos.Contains(c.Repo)))
        {
            foreach (var c in change.Commits)
            {
                foreach (var bug in c.Bugs)
                {
                    if (!byBug.TryGetValue(bug, out var list)) byBug[bug] = list = [];
                    if (list.All(x => x.Rev != c.Rev)) list.Add(new BugCommit(change.Repo, c.Rev, c.Author, c.Summary));
                }
            }
        }

        return byBug;
    }

    /// <summary>For each bug of an earlier partial rollout: the hosts it missed that are all ok once this rollout ran, and not before.</summary>
    private async Task<Dictionary<int, List<CatchUp>>> CatchUpsAsync(
        RolloutRecord rollout, IReadOnlyList<HostResult> results, HashSet<string> repos, Dictionary<int, List<BugCommit>> current, CancellationToken cancellationToken)
    {
        var found = new Dictionary<int, List<CatchUp>>();
        var okNow = results.Where(r => r.Outcome == HostOutcome.Ok).Select(r => r.Host).ToHashSet(StringComparer.Ordinal);
        if (okNow.Count == 0) return found;
        var earlier = (await rollouts.LatestAsync(CatchUpWindow, cancellationToken))
            .Where(r => r.Id < rollout.Id && r.State != RolloutState.Running && r.RollbackTo is null)
            .OrderBy(r => r.Id)
            .ToList();
        var okAfter = new Dictionary<int, HashSet<string>>(); // rollout id → hosts ok in it
        foreach (var r in earlier) okAfter[r.Id] = (await rollouts.GetHostsAsync(r.Id, cancellationToken)).Where(h => h.Outcome == HostOutcome.Ok).Select(h => h.Host).ToHashSet(StringComparer.Ordinal);
        foreach (var m in earlier)
        {
            var mResults = await rollouts.GetHostsAsync(m.Id, cancellationToken);
            foreach (var (bug, commits) in CommitsByBug(m, repos))
            {
                var hosts = HostsFor(commits.Select(c => c.Repo), mResults);
                if (hosts.Complete) continue;
                var missing = mResults.Where(h => h.Outcome != HostOutcome.Ok && Carries(h, commits.Select(c => c.Repo))).Select(h => h.Host).Order(StringComparer.Ordinal).ToList();
                var before = earlier.Where(r => r.Id > m.Id).SelectMany(r => okAfter[r.Id]).ToHashSet(StringComparer.Ordinal);
                if (missing.All(before.Contains) || !missing.All(h => before.Contains(h) || okNow.Contains(h))) continue;
                if (hosts.Ok == 0)
                {
                    // Its first report never went out (nothing was live): this comment names its commits.
                    if (!current.TryGetValue(bug, out var list)) current[bug] = list = [];
                    list.AddRange(commits.Where(c => list.All(x => x.Rev != c.Rev)));
                    continue;
                }

                if (!found.TryGetValue(bug, out var ups)) found[bug] = ups = [];
                ups.Add(new CatchUp(m.Id, hosts.Total, missing));
            }
        }

        return found;
    }

    private BugHosts HostsFor(IEnumerable<string> repos, IReadOnlyList<HostResult> results)
    {
        var set = repos.ToList();
        var carrying = results.Where(r => Carries(r, set)).ToList();
        // The store returns a rollout's hosts in no set order; the comment names them by name.
        var notOk = carrying.Where(r => r.Outcome != HostOutcome.Ok).OrderBy(r => r.Host, StringComparer.Ordinal).Select(r => new NotDeployedHost(r.Host, r.Outcome, r.FailedStep, r.Interrupted)).ToList();
        return new BugHosts(carrying.Count - notOk.Count, carrying.Count, notOk);
    }

    private bool Carries(HostResult host, IEnumerable<string> repos) =>
        fleet.Roles.TryGetValue(host.Role, out var role) ? repos.Any(role.Repos.ContainsKey) : true;
}
