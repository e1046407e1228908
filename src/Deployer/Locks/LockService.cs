using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Locks;

/// <summary>
/// The deploy lock's one entry point. Each call first retires expired holds and sends due expiry warnings (as
/// <see cref="TickAsync"/> does), then applies the request. State is saved together with the audit entries of the
/// change or refusal (one transaction), before any event is published; a crash in between loses that event rather than repeating it after a restart.
/// Refusals come back as a <see cref="LockResult"/> with a typed <see cref="Refusal"/>. Permission checks belong to the caller.
/// </summary>
public sealed class LockService(
    ILockStore store,
    DeployerEvents events,
    TimeProvider time,
    IOptions<LockOptions> options,
    ILogger<LockService> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    private TimeSpan DefaultDuration => TimeSpan.FromMinutes(options.Value.DefaultMinutes);

    private TimeSpan MaximumDuration => TimeSpan.FromMinutes(options.Value.MaximumMinutes);

    private TimeSpan WarningLead => TimeSpan.FromMinutes(options.Value.WarningMinutes);

    /// <summary>
    /// Adds a hold for <paramref name="user"/> lasting <paramref name="duration"/> (default
    /// <see cref="LockOptions.DefaultMinutes"/>). A second call by the same person replaces their hold: it keeps
    /// its start, takes the new expiry and, if given, the new reason. Other people's holds are untouched.
    /// </summary>
    public async Task<LockResult> LockAsync(Actor user, TimeSpan? duration, string? reason, CancellationToken cancellationToken)
    {
        var d = duration ?? DefaultDuration;
        var text = Reasons.Normalize(reason);
        var (result, _) = await ApplyAsync("lock", user, null, (state, now) =>
        {
            var refusal = CheckDuration(d) ?? Reasons.Check(text);
            if (refusal is not null) return Refuse(state, now, refusal);
            var previous = state.ActiveHoldOf(user.Id, now);
            var next = state.Add(user.Id, user.Name, text, now, d, WarningLead);
            var hold = next.ActiveHoldOf(user.Id, now)!; // Add just put it there with a positive duration
            var audit = Changed(previous is null ? HoldChange.Held : HoldChange.Replaced, hold) with { Duration = d, Reason = hold.Reason.Length > 0 ? hold.Reason : null };
            return new Change(next, Done(next, now) with { Hold = hold, Previous = previous }, audit, new HoldAdded(hold, previous));
        }, cancellationToken);
        return result;
    }

    /// <summary>Releases <paramref name="user"/>'s own hold; refused when they hold none.</summary>
    public async Task<LockResult> UnlockAsync(Actor user, CancellationToken cancellationToken)
    {
        var (result, _) = await ApplyAsync("unlock", user, null, (state, now) =>
        {
            var hold = state.ActiveHoldOf(user.Id, now);
            if (hold is null) return Refuse(state, now, new NoHold(null));
            var next = state.Release(user.Id);
            return new Change(next, Done(next, now) with { Released = [hold] }, Changed(HoldChange.Released, hold) with { Until = null, Since = hold.Since }, new HoldReleased(hold, user, Forced: false));
        }, cancellationToken);
        return result;
    }

    /// <summary>
    /// Releases the hold of <paramref name="target"/> (a holder id, or a holder name; a leading <c>@</c> is ignored)
    /// on behalf of <paramref name="admin"/>. The caller checks that <paramref name="admin"/> may do this.
    /// </summary>
    public async Task<LockResult> ForceUnlockAsync(Actor admin, string target, CancellationToken cancellationToken)
    {
        var (result, _) = await ApplyAsync("force-unlock", admin, target, (state, now) =>
        {
            var hold = state.FindActive(target, now);
            if (hold is null) return Refuse(state, now, new NoHold(target.TrimStart('@')));
            var next = state.Release(hold.HolderId);
            return new Change(next, Done(next, now) with { Released = [hold] }, Changed(HoldChange.ForceReleased, hold) with { Until = null }, new HoldReleased(hold, admin, Forced: true));
        }, cancellationToken);
        return result;
    }

    /// <summary>Releases every hold on behalf of <paramref name="admin"/>; refused when there is none.</summary>
    public async Task<LockResult> ForceUnlockAllAsync(Actor admin, CancellationToken cancellationToken)
    {
        var (result, _) = await ApplyAsync("force-unlock-all", admin, "all", (state, now) =>
        {
            var holds = state.ActiveAt(now);
            if (holds.Count == 0) return Refuse(state, now, new NothingToRelease());
            var next = state.ReleaseAll();
            var released = holds.Select(h => (DeployerEvent)new HoldReleased(h, admin, Forced: true)).ToArray();
            return new Change(next, Done(next, now) with { Released = holds }, new AuditEntry { HoldChange = HoldChange.ReleasedAll, Holders = holds.Select(h => h.HolderName).ToList() }, released);
        }, cancellationToken);
        return result;
    }

    /// <summary>
    /// Places (or replaces) the <see cref="Hold.RollbackHolder"/> hold a rollback to the set of rollout
    /// <paramref name="rollbackTo"/> asked for by <paramref name="by"/> places; <c>!unlock rollback</c> releases it.
    /// </summary>
    public Task<LockResult> PlaceRollbackHoldAsync(Actor by, int? rollbackTo, CancellationToken cancellationToken) =>
        PlaceSystemHoldAsync(by, new Hold { HolderId = Hold.RollbackHolder, HolderName = "rollback", RollbackTo = rollbackTo, PlacedBy = by.Name }, cancellationToken);

    /// <summary>
    /// Places (or replaces) the system hold <paramref name="system"/> (its holder id, name and data) on behalf of
    /// <paramref name="by"/>: it lasts until someone releases it (<see cref="ReleaseSystemAsync"/>), e.g. a commit's hold.
    /// </summary>
    public async Task<LockResult> PlaceSystemHoldAsync(Actor by, Hold system, CancellationToken cancellationToken)
    {
        var (result, _) = await ApplyAsync("system-hold", by, system.HolderName, (state, now) =>
        {
            var previous = state.ActiveHoldOf(system.HolderId, now);
            var next = state.AddUntilReleased(system, now);
            var hold = next.ActiveHoldOf(system.HolderId, now)!; // just added, no expiry
            return new Change(next, Done(next, now) with { Hold = hold, Previous = previous }, Changed(HoldChange.SystemHoldPlaced, hold) with { Reason = hold.Reason.Length > 0 ? hold.Reason : null }, new HoldAdded(hold, previous));
        }, cancellationToken);
        return result;
    }

    /// <summary>Releases the system hold <paramref name="holderId"/> on behalf of <paramref name="user"/>; refused when it is not held.</summary>
    public async Task<LockResult> ReleaseSystemAsync(Actor user, string holderId, string holderName, CancellationToken cancellationToken)
    {
        var (result, _) = await ApplyAsync("unlock-system", user, holderName, (state, now) =>
        {
            var hold = state.ActiveHoldOf(holderId, now);
            if (hold is null) return Refuse(state, now, new NoSystemHold(holderName));
            var next = state.Release(holderId);
            return new Change(next, Done(next, now) with { Released = [hold] }, Changed(HoldChange.SystemHoldReleased, hold) with { Until = null }, new HoldReleased(hold, user, Forced: false));
        }, cancellationToken);
        return result;
    }

    /// <summary>
    /// Pushes <paramref name="user"/>'s own hold back by <paramref name="duration"/> (default
    /// <see cref="LockOptions.DefaultMinutes"/>), as long as it then ends within <see cref="LockOptions.MaximumMinutes"/> from now.
    /// </summary>
    public async Task<LockResult> ExtendAsync(Actor user, TimeSpan? duration, CancellationToken cancellationToken)
    {
        var by = duration ?? DefaultDuration;
        var (result, _) = await ApplyAsync("extend", user, null, (state, now) =>
        {
            var refusal = CheckMinimum(by);
            if (refusal is not null) return Refuse(state, now, refusal);
            var previous = state.ActiveHoldOf(user.Id, now);
            if (previous is null) return Refuse(state, now, new NoHold(null));
            var length = previous.ExpiresAt + by - now;
            if (length > MaximumDuration)
                return Refuse(state, now, new ExtensionTooLong(by, length, MaximumDuration));
            var next = state.Extend(user.Id, now, by, WarningLead);
            var hold = next.ActiveHoldOf(user.Id, now)!; // extended, so still active
            return new Change(next, Done(next, now) with { Hold = hold, Previous = previous }, Changed(HoldChange.Extended, hold) with { Duration = by }, new HoldExtended(hold, previous.ExpiresAt));
        }, cancellationToken);
        return result;
    }

    /// <summary>The holds active now (expired ones are left for <see cref="TickAsync"/> to retire and announce).</summary>
    public async Task<DeployLock> GetAsync(CancellationToken cancellationToken)
    {
        var state = await store.LoadAsync(cancellationToken);
        return new DeployLock(state.ActiveAt(time.GetUtcNow()));
    }

    /// <summary>
    /// Retires expired holds (<see cref="HoldExpired"/>) and warns holders whose hold ends within
    /// <see cref="LockOptions.WarningMinutes"/> (<see cref="HoldExpiring"/>). Each event goes out once per hold, also
    /// across restarts; a hold the clock jumped past gets only <see cref="HoldExpired"/>. Call it every half minute or so.
    /// </summary>
    /// <returns>The events published by this call.</returns>
    public async Task<IReadOnlyList<DeployerEvent>> TickAsync(CancellationToken cancellationToken)
    {
        var (_, published) = await ApplyAsync(null, Actor.System, null, (state, now) => new Change(state, Done(state, now), null), cancellationToken);
        return published;
    }

    private async Task<(LockResult Result, IReadOnlyList<DeployerEvent> Published)> ApplyAsync(
        string? action, Actor actor, string? target, Func<DeployLock, DateTimeOffset, Change> decide, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var loaded = await store.LoadAsync(cancellationToken);
            var (swept, published) = Sweep(loaded, now);
            var change = decide(swept, now);
            var expiredHolds = published.OfType<HoldExpired>().Select(e => e.Hold).ToList();
            var entries = expiredHolds.Select(h => Audit(now, Actor.System, "expire", h.HolderName, Changed(HoldChange.Expired, h))).ToList();
            if (action is not null && change.Audit is { } asked) entries.Add(Audit(now, actor, action, target, asked));

            if (!ReferenceEquals(change.State, loaded)) await store.SaveAsync(change.State, entries, cancellationToken);
            else foreach (var entry in entries) await store.AppendAuditAsync(entry, cancellationToken); // the holds as they were: a refusal

            foreach (var hold in expiredHolds) LocksLog.Expired(logger, hold.HolderName, hold.ExpiresAt);
            foreach (var expiring in published.OfType<HoldExpiring>()) LocksLog.Expiring(logger, expiring.Hold.HolderName, expiring.Hold.ExpiresAt);

            if (action is not null && change.Audit is { } audit)
            {
                if (audit.Refused) LocksLog.Refused(logger, action, actor.Name, audit.Detail);
                else LocksLog.Changed(logger, action, actor.Name, audit.HoldChange, audit.Holders, audit.Until, audit.Duration);
            }

            published.AddRange(change.Events);
            foreach (var e in published) events.Publish(e);
            return (change.Result, published);
        }
        finally
        {
            _gate.Release();
        }
    }

    private (DeployLock State, List<DeployerEvent> Events) Sweep(DeployLock state, DateTimeOffset now)
    {
        var expired = state.ExpiredAt(now);
        var warn = state.NeedingWarningAt(now, WarningLead);
        if (expired.Count == 0 && warn.Count == 0) return (state, []);
        var next = state.WithoutExpiredAt(now).MarkWarned(warn.Select(h => h.HolderId));
        var published = new List<DeployerEvent>();
        published.AddRange(warn.Select(h => new HoldExpiring(h with { Warned = true }, h.RemainingAt(now))));
        published.AddRange(expired.Select(h => new HoldExpired(h)));
        return (next, published);
    }

    private Refusal? CheckDuration(TimeSpan d) =>
        CheckMinimum(d) ?? (d > MaximumDuration ? new DurationTooLong(d, MaximumDuration) : null);

    private static Refusal? CheckMinimum(TimeSpan d) =>
        d < LockOptions.MinimumDuration ? new DurationTooShort(d, LockOptions.MinimumDuration) : null;

    // The audit keeps the refusal as data (the record's own ToString); the words for people are the Bot's.
    private static Change Refuse(DeployLock state, DateTimeOffset now, Refusal refusal) =>
        new(state, Done(state, now) with { Refusal = refusal }, new AuditEntry { Detail = refusal.ToString(), Refused = true });

    /// <summary>The audit data of a change to <paramref name="hold"/>: its holder and how long it now lasts.</summary>
    private static AuditEntry Changed(HoldChange change, Hold hold) =>
        new() { HoldChange = change, Holders = [hold.HolderName], Until = hold.UntilReleased ? null : hold.ExpiresAt };

    private static LockResult Done(DeployLock state, DateTimeOffset now) => new() { Holds = state.ActiveAt(now), At = now };

    private static AuditEntry Audit(DateTimeOffset now, Actor actor, string action, string? target, AuditEntry audit) =>
        audit with { At = now, ActorId = actor.Id, ActorName = actor.Name, Action = action, Target = target };

    /// <summary>The outcome of one request: the state to save, the answer, the audit data (null: nothing to audit) and the events.</summary>
    private sealed record Change(DeployLock State, LockResult Result, AuditEntry? Audit, params DeployerEvent[] Events);
}
