using ChatOpsReconfig.Deployer.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>What a <see cref="FreezeService"/> call did; a refusal says why, as data.</summary>
public sealed record FreezeResult
{
    public Refusal? Refusal { get; init; }

    /// <summary>When the call was decided.</summary>
    public DateTimeOffset At { get; init; }

    public bool Succeeded => Refusal is null;

    /// <summary>The ad-hoc freeze opened, or lifted by <c>!unfreeze</c>.</summary>
    public AdHocFreeze? Freeze { get; init; }

    /// <summary>Freezes open after the call, scheduled and ad-hoc.</summary>
    public IReadOnlyList<OpenFreeze> Open { get; init; } = [];
}

/// <summary>
/// Freezes: the scheduled windows of <c>policy.freezes</c> and one ad-hoc freeze opened from chat
/// (<c>!freeze 2h reason</c>, <c>!unfreeze</c>). Every change and refusal is audited, a change in the transaction that
/// stores it. Scheduled windows cannot be lifted from chat; <c>!deploy now --force</c> overrides them.
/// </summary>
public sealed class FreezeService(IFreezeStore store, TimeProvider time, IOptions<PolicyOptions> options, ILogger<FreezeService> logger)
{
    /// <summary>Shortest ad-hoc freeze.</summary>
    public static readonly TimeSpan MinimumDuration = TimeSpan.FromMinutes(1);

    /// <summary>Longest ad-hoc freeze.</summary>
    public static readonly TimeSpan MaximumDuration = TimeSpan.FromDays(7);

    private readonly IReadOnlyList<FreezeWindow> _windows = FreezeWindow.FromOptions(options.Value);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Opens an ad-hoc freeze for <paramref name="duration"/>, replacing the current one if any.</summary>
    public async Task<FreezeResult> FreezeAsync(Actor user, TimeSpan duration, string? reason, CancellationToken cancellationToken)
    {
        var text = Reasons.Normalize(reason);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var refusal = duration < MinimumDuration ? new DurationTooShort(duration, MinimumDuration)
                : duration > MaximumDuration ? new DurationTooLong(duration, MaximumDuration)
                : Reasons.Check(text);
            if (refusal is not null) return await RefuseAsync(user, "freeze", refusal, now, cancellationToken);

            var previous = await ActiveAdHocAsync(now, cancellationToken);
            var freeze = new AdHocFreeze { Reason = text, ById = user.Id, ByName = user.Name, Since = now, Until = now + duration };
            var change = previous is null ? FreezeChange.Frozen : FreezeChange.Replaced;
            await store.SetAsync(freeze, Stamped(user, "freeze", Changed(change, previous, freeze) with { Duration = duration }, now), cancellationToken);
            PolicyLog.FreezeChanged(logger, change, user.Name, previous?.ByName, freeze.Until, freeze.Reason);
            return new FreezeResult { At = now, Freeze = freeze, Open = OpenAt(now, freeze) };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Lifts the ad-hoc freeze; refused when none is open.</summary>
    public async Task<FreezeResult> UnfreezeAsync(Actor user, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var current = await ActiveAdHocAsync(now, cancellationToken);
            if (current is null)
            {
                return await RefuseAsync(user, "unfreeze", new NoAdHocFreeze(OpenAt(now, null)), now, cancellationToken);
            }

            await store.SetAsync(null, Stamped(user, "unfreeze", Changed(FreezeChange.Lifted, current, current), now), cancellationToken);
            PolicyLog.FreezeChanged(logger, FreezeChange.Lifted, user.Name, current.ByName, current.Until, current.Reason);
            return new FreezeResult { At = now, Freeze = current, Open = OpenAt(now, null) };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Freezes open now: the scheduled windows and the ad-hoc freeze.</summary>
    public async Task<IReadOnlyList<OpenFreeze>> GetOpenAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return OpenAt(now, await ActiveAdHocAsync(now, cancellationToken));
    }

    private async Task<AdHocFreeze?> ActiveAdHocAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        await store.GetAsync(cancellationToken) is { } f && f.Until > now ? f : null;

    private List<OpenFreeze> OpenAt(DateTimeOffset now, AdHocFreeze? adHoc)
    {
        var open = _windows.Select(w => w.OpenAt(now)).OfType<OpenFreeze>().ToList();
        if (adHoc is not null && adHoc.Until > now) open.Add(new OpenFreeze(adHoc.Reason, adHoc.Until, adHoc.ByName));
        return open;
    }

    private async Task<FreezeResult> RefuseAsync(Actor user, string action, Refusal refusal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // The audit and the log keep the refusal as data (the record's own ToString); the words for people are the Bot's.
        await store.AppendAuditAsync(Stamped(user, action, new AuditEntry { Detail = refusal.ToString(), Refused = true }, now), cancellationToken);
        PolicyLog.FreezeRefused(logger, action, user.Name, refusal.ToString());
        return new FreezeResult { At = now, Refusal = refusal, Open = OpenAt(now, await ActiveAdHocAsync(now, cancellationToken)) };
    }

    /// <summary>A freeze change as data (whose freeze it replaced or lifted, until when, why); the Bot would word it.</summary>
    private static AuditEntry Changed(FreezeChange change, AdHocFreeze? target, AdHocFreeze freeze) =>
        new() { FreezeChange = change, Target = target?.ByName, Until = freeze.Until, Reason = freeze.Reason };

    private static AuditEntry Stamped(Actor user, string action, AuditEntry entry, DateTimeOffset now) =>
        entry with { At = now, ActorId = user.Id, ActorName = user.Name, Action = action };
}
