namespace ChatOpsReconfig.Deployer.Locks;

/// <summary>
/// The current holds on the deploy lock, with the pure rules for changing them. Several people may hold the lock
/// at once; each person has at most one hold. A hold is active until its expiry instant (exclusive). No I/O, no
/// clock: every rule takes the instant it applies to.
/// </summary>
public sealed record DeployLock(IReadOnlyList<Hold> Holds)
{
    public static readonly DeployLock Empty = new([]);

    /// <summary>Holds active at <paramref name="t"/>, earliest taken first.</summary>
    public IReadOnlyList<Hold> ActiveAt(DateTimeOffset t) => Holds.Where(h => h.IsActiveAt(t)).OrderBy(h => h.Since).ToList();

    /// <summary>True when at least one hold is active at <paramref name="t"/>: deploys are blocked.</summary>
    public bool IsHeldAt(DateTimeOffset t) => Holds.Any(h => h.IsActiveAt(t));

    /// <summary>The hold of <paramref name="holderId"/> if it is active at <paramref name="t"/>.</summary>
    public Hold? ActiveHoldOf(string holderId, DateTimeOffset t) =>
        Holds.FirstOrDefault(h => SameHolder(h.HolderId, holderId) && h.IsActiveAt(t));

    /// <summary>
    /// Adds a hold for <paramref name="holderId"/> from <paramref name="now"/> for <paramref name="duration"/>. If that
    /// person already holds the lock, their hold is replaced: it keeps its start, takes the new expiry and, when
    /// <paramref name="reason"/> is not empty, the new reason. A hold shorter than <paramref name="warningLead"/>
    /// is born warned: its taker just chose how long it lasts.
    /// </summary>
    public DeployLock Add(string holderId, string holderName, string reason, DateTimeOffset now, TimeSpan duration, TimeSpan warningLead)
    {
        var previous = ActiveHoldOf(holderId, now);
        var hold = new Hold
        {
            HolderId = previous?.HolderId ?? holderId,
            HolderName = previous?.HolderName ?? holderName, // shown as first seen: ALICE then alice is still ALICE
            Reason = previous is not null && reason.Length == 0 ? previous.Reason : reason,
            Since = previous?.Since ?? now,
            ExpiresAt = now + duration,
            Warned = duration <= warningLead,
        };
        return new DeployLock([.. Holds.Where(h => !SameHolder(h.HolderId, holderId)), hold]);
    }

    /// <summary>Adds (or replaces) a system hold that lasts until released and is never warned about.</summary>
    public DeployLock AddUntilReleased(string holderId, string holderName, string reason, DateTimeOffset now) =>
        AddUntilReleased(new Hold { HolderId = holderId, HolderName = holderName, Reason = reason }, now);

    /// <summary>Adds (or replaces) <paramref name="hold"/> as a system hold from <paramref name="now"/> until released.</summary>
    public DeployLock AddUntilReleased(Hold hold, DateTimeOffset now)
    {
        var holderId = hold.HolderId;
        hold = hold with { Since = now, ExpiresAt = DateTimeOffset.MaxValue, Warned = true };
        return new DeployLock([.. Holds.Where(h => !SameHolder(h.HolderId, holderId)), hold]);
    }

    /// <summary>
    /// Pushes the expiry of <paramref name="holderId"/>'s active hold back by <paramref name="by"/>; unchanged when
    /// they hold none. The warning is re-armed unless the new expiry is within <paramref name="warningLead"/>.
    /// </summary>
    public DeployLock Extend(string holderId, DateTimeOffset now, TimeSpan by, TimeSpan warningLead) =>
        new(Holds.Select(h => SameHolder(h.HolderId, holderId) && h.IsActiveAt(now)
            ? h with { ExpiresAt = h.ExpiresAt + by, Warned = h.ExpiresAt + by - now <= warningLead }
            : h).ToList());

    /// <summary>Removes <paramref name="holderId"/>'s hold (own release or a forced release of one).</summary>
    public DeployLock Release(string holderId) => new(Holds.Where(h => !SameHolder(h.HolderId, holderId)).ToList());

    /// <summary>Removes every hold (a forced release of all).</summary>
    public DeployLock ReleaseAll() => Empty;

    /// <summary>Holds that have expired at <paramref name="t"/> but are still recorded.</summary>
    public IReadOnlyList<Hold> ExpiredAt(DateTimeOffset t) => Holds.Where(h => !h.IsActiveAt(t)).ToList();

    /// <summary>Drops the holds that have expired at <paramref name="t"/>.</summary>
    public DeployLock WithoutExpiredAt(DateTimeOffset t) => new(Holds.Where(h => h.IsActiveAt(t)).ToList());

    /// <summary>
    /// Active holds that are within <paramref name="warningLead"/> of expiring at <paramref name="t"/> and have not
    /// been warned. A hold already expired at <paramref name="t"/> (the clock jumped past both) gets no warning.
    /// </summary>
    public IReadOnlyList<Hold> NeedingWarningAt(DateTimeOffset t, TimeSpan warningLead) =>
        Holds.Where(h => !h.Warned && h.IsActiveAt(t) && h.ExpiresAt - warningLead <= t).ToList();

    /// <summary>Marks the holds of <paramref name="holderIds"/> as warned.</summary>
    public DeployLock MarkWarned(IEnumerable<string> holderIds)
    {
        var ids = holderIds.ToHashSet(StringComparer.OrdinalIgnoreCase);
        return new(Holds.Select(h => ids.Contains(h.HolderId) ? h with { Warned = true } : h).ToList());
    }

    /// <summary>
    /// Finds the active hold meant by <paramref name="target"/>: a holder id, or else a holder name (case-insensitive,
    /// a leading <c>@</c> ignored). Null when none or when the name is ambiguous.
    /// </summary>
    public Hold? FindActive(string target, DateTimeOffset t)
    {
        var active = ActiveAt(t);
        var byId = active.FirstOrDefault(h => SameHolder(h.HolderId, target));
        if (byId is not null) return byId;
        var name = target.TrimStart('@');
        var byName = active.Where(h => string.Equals(h.HolderName, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return byName.Count == 1 ? byName[0] : null;
    }

    /// <summary>
    /// People are the same whatever the case they type their name in (<c>ALICE: !lock</c> and <c>alice: !lock</c> are
    /// one hold); Discord and IRC ids are compared the same way, which changes nothing for them.
    /// </summary>
    public static bool SameHolder(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
