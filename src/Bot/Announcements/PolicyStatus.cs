using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// Joins the auto-deploy policy to chat: the lock and policy lines of <c>!status</c>, the outlook when the last hold
/// goes, lag alarms and CI failures, and whether the bot is idle.
/// </summary>
internal sealed class PolicyStatus(
    AutoDeployLoop loop,
    RolloutDoor door,
    IRepoStatus repos,
    LockService locks,
    FreezeService freezes,
    RolloutCoordinator coordinator,
    LockReplies replies,
    ChatClock clock,
    TimeProvider time) : IStatusSection, IUnlockOutlook, IEventAnnouncer, IIdleCheck
{
    public async Task<IReadOnlyList<string>> LinesAsync(string? role, CancellationToken cancellationToken)
    {
        var holds = (await locks.GetAsync(cancellationToken)).ActiveAt(time.GetUtcNow());
        var open = await freezes.GetOpenAsync(cancellationToken);
        var lines = new List<string> { "lock: " + (holds.Count == 0 ? "free" : replies.Holds(holds)) };
        lines.AddRange(open.Select(f => $"FROZEN: {FreezeText.Reason(f.Reason, f.By)} until {replies.Clock(f.Until)}{(f.By is null ? "" : $" (by {f.By})")}"));
        var polls = repos.FirstPolls;
        var last = await loop.LastDecisionAsync(cancellationToken);
        var line = !polls.Complete ? $"starting: reading production heads ({polls.Done}/{polls.Total} repos)"
            : last is null or { Blocker: PolicyBlocker.NotReady } ? "heads read; deciding at the next tick"
            : clock.Policy(last);
        lines.Add("policy: " + line);
        return lines;
    }

    /// <summary>Says what will deploy and when, and asks the door at once (not at the next tick) when it may start.</summary>
    public async Task<string> OutlookAsync(CancellationToken cancellationToken)
    {
        var answer = await door.PlanAsync(new RolloutRequest { Trigger = RolloutTrigger.Unlock }, cancellationToken);
        var what = answer.Decision.ChangedRepos.Select(r => $"{r} {RevisionSet.Short(answer.Plan?.Target.Revisions.GetValueOrDefault(r))}").ToList();
        var hosts = answer.Plan?.Hosts.Count ?? 0;
        // Starting: the line already names the revisions. Waiting: say what will go out once the wait is over.
        var toHosts = $"to {hosts} host{(hosts == 1 ? "" : "s")}";
        var deploys = what.Count == 0 || answer.Plan is null ? ""
            : answer.Decision.Start ? " " + toHosts
            : $" (then {string.Join(", ", what)} {(what.Count == 1 ? "goes" : "go")} {toHosts})";
        if (!answer.Decision.Start) return clock.Policy(answer.Decision) + deploys;
        UnlockTick = Task.Run(() => loop.TickAsync(CancellationToken.None, RolloutTrigger.Unlock), CancellationToken.None);
        return clock.Policy(answer.Decision) + deploys;
    }

    /// <summary>The tick an unlock started (tests wait for it).</summary>
    internal Task UnlockTick { get; private set; } = Task.CompletedTask;

    public Task<IReadOnlyList<string>> AnnounceAsync(DeployerEvent e, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> texts = e switch
        {
            LagAlarm a => [$"LAG {(a.Level == LagLevel.Critical ? "CRITICAL" : "WARNING")}: {a.Host} is not at {a.Repo} {RevisionSet.Short(a.Head)} {(int)a.Behind.TotalMinutes} min after the merge ({replies.Clock(a.MergedAt)}): {SafeText.Clean(PolicyText.Lag(a.Why, clock.Zone), 300)}"],
            PolicyChanged { Decision.Blocker: PolicyBlocker.CiFailed } c => [$"CI FAILED — not deploying: {clock.Policy(c.Decision)}. Waiting for a new head"],
            _ => [],
        };
        return Task.FromResult(texts);
    }

    /// <summary>Idle when no rollout runs and nothing is waiting to deploy (holds, quiet window or CI keep the bot busy).</summary>
    public async Task<bool> IsIdleAsync(CancellationToken cancellationToken) =>
        coordinator.Current is null && repos.FirstPolls.Complete && await loop.LastDecisionAsync(cancellationToken) is null or { Blocker: PolicyBlocker.NothingToDeploy };
}
