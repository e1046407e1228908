using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// Joins the auto-deploy policy to chat: the lock and policy lines of <c>!status</c>, the gate of
/// <c>!deploy now</c>, the outlook when the last hold goes, lag alarms and CI failures, and whether the bot is idle.
/// </summary>
internal sealed class PolicyStatus(
    AutoDeployLoop loop,
    LockService locks,
    FreezeService freezes,
    RolloutCoordinator coordinator,
    LockReplies replies,
    TimeProvider time) : IStatusSection, IDeployGate, IUnlockOutlook, IEventAnnouncer, IIdleCheck
{
    public async Task<IReadOnlyList<string>> LinesAsync(CancellationToken cancellationToken)
    {
        var holds = (await locks.GetAsync(cancellationToken)).ActiveAt(time.GetUtcNow());
        var open = await freezes.GetOpenAsync(cancellationToken);
        var lines = new List<string> { "lock: " + (holds.Count == 0 ? "free" : replies.Holds(holds)) };
        lines.AddRange(open.Select(f => $"FROZEN: {f.Reason} until {replies.Clock(f.Until)}{(f.By is null ? "" : $" (by {f.By})")}"));
        lines.Add("policy: " + (loop.LastDecision?.Line ?? "not evaluated yet"));
        return lines;
    }

    public async Task<string?> BlockedAsync(string user, CancellationToken cancellationToken)
    {
        var decision = await loop.EvaluateAsync(TriggerKind.DeployNow, assumeUndeployed: true, cancellationToken);
        return decision.Blocker is PolicyBlocker.Hold or PolicyBlocker.Freeze or PolicyBlocker.CiFailed or PolicyBlocker.CiPending or PolicyBlocker.CiUnknown
            ? decision.Line
            : null;
    }

    public async Task<string> OutlookAsync(CancellationToken cancellationToken)
    {
        var decision = await loop.EvaluateAsync(TriggerKind.Automatic, assumeUndeployed: false, cancellationToken);
        if (!decision.Start) return decision.Line;
        // Start now rather than at the next tick, so nobody waits for a timer after unlocking.
        _ = Task.Run(() => loop.TickAsync(CancellationToken.None), CancellationToken.None);
        return decision.Line;
    }

    public Task<IReadOnlyList<string>> AnnounceAsync(DeployerEvent e, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> texts = e switch
        {
            LagAlarm a => [$"LAG {(a.Level == LagLevel.Critical ? "CRITICAL" : "WARNING")}: {a.Host} is not at {a.Repo} {RevisionSet.Short(a.Head)} {(int)a.Behind.TotalMinutes} min after the merge ({replies.Clock(a.MergedAt)}): {TextTable.Cell(a.Why, 300)}"],
            PolicyChanged { Decision.Blocker: PolicyBlocker.CiFailed } c => [$"CI FAILED — not deploying: {c.Decision.Line}. Waiting for a new head"],
            _ => [],
        };
        return Task.FromResult(texts);
    }

    /// <summary>Idle when no rollout runs and nothing is waiting to deploy (holds, quiet window or CI keep the bot busy).</summary>
    public bool IsIdle => coordinator.Current is null && loop.LastDecision is null or { Blocker: PolicyBlocker.NothingToDeploy };
}
