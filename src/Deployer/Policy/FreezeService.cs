using ChatOpsReconfig.Deployer.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>What a <see cref="FreezeService"/> call did; a refusal carries its reason.</summary>
public sealed record FreezeResult
{
    public string? Refusal { get; init; }

    public bool Succeeded => Refusal is null;

    /// <summary>The ad-hoc freeze opened, or lifted by <c>!unfreeze</c>.</summary>
    public AdHocFreeze? Freeze { get; init; }

    /// <summary>Freezes open after the call, scheduled and ad-hoc.</summary>
    public IReadOnlyList<OpenFreeze> Open { get; init; } = [];
}

/// <summary>
/// Freezes: the scheduled windows of <c>policy.freezes</c> and one ad-hoc freeze opened from chat
/// (<c>!freeze 2h reason</c>, <c>!unfreeze</c>). Every change and refusal is audited. Scheduled windows cannot be
/// lifted from chat; <c>!deploy now --force</c> overrides them.
/// </summary>
public sealed class FreezeService(IFreezeStore store, TimeProvider time, IOptions<PolicyOptions> options, ILogger<FreezeService> logger)
{
    /// <summary>Longest ad-hoc freeze.</summary>
    public static readonly TimeSpan MaximumDuration = TimeSpan.FromDays(7);

    private readonly IReadOnlyList<FreezeWindow> _windows = FreezeWindow.FromOptions(options.Value);
    private readonly TimeZoneInfo _zone = options.Value.FindTimeZone();
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Opens an ad-hoc freeze for <paramref name="duration"/>, replacing the current one if any.</summary>
    public async Task<FreezeResult> FreezeAsync(Actor user, TimeSpan duration, string? reason, CancellationToken cancellationToken)
    {
        var text = ReasonText.Normalize(reason);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            var refusal = duration < TimeSpan.FromMinutes(1) ? $"duration must be at least 1m (got {HumanTime.Duration(duration)})"
                : duration > MaximumDuration ? $"duration {HumanTime.Duration(duration)} is longer than the maximum {HumanTime.Duration(MaximumDuration)}"
                : ReasonText.Check(text);
            if (refusal is not null) return await RefuseAsync(user, "freeze", refusal, now, cancellationToken);

            var previous = await ActiveAdHocAsync(now, cancellationToken);
            var freeze = new AdHocFreeze { Reason = text.Length > 0 ? text : "ad-hoc freeze", ById = user.Id, ByName = user.Name, Since = now, Until = now + duration };
            await store.SetAsync(freeze, cancellationToken);
            var detail = $"{(previous is null ? "froze" : $"replaced {previous.ByName}'s freeze; froze")} deploys for {HumanTime.Duration(duration)}: {freeze.Reason}";
            await AuditAsync(user, "freeze", detail, refused: false, now, cancellationToken);
            PolicyLog.FreezeChanged(logger, "freeze", user.Name, detail);
            return new FreezeResult { Freeze = freeze, Open = OpenAt(now, freeze) };
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
                var scheduled = OpenAt(now, null);
                var refusal = scheduled.Count == 0
                    ? "no freeze is open"
                    : $"no ad-hoc freeze is open; {string.Join(", ", scheduled.Select(f => $"\"{f.Reason}\" until {HumanTime.Clock(f.Until, now, _zone)}"))} is scheduled (policy.freezes) and can only be overridden with --force";
                return await RefuseAsync(user, "unfreeze", refusal, now, cancellationToken);
            }

            await store.SetAsync(null, cancellationToken);
            var detail = $"lifted {current.ByName}'s freeze: {current.Reason}";
            await AuditAsync(user, "unfreeze", detail, refused: false, now, cancellationToken);
            PolicyLog.FreezeChanged(logger, "unfreeze", user.Name, detail);
            return new FreezeResult { Freeze = current, Open = OpenAt(now, null) };
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

    private async Task<FreezeResult> RefuseAsync(Actor user, string action, string refusal, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await AuditAsync(user, action, refusal, refused: true, now, cancellationToken);
        PolicyLog.FreezeRefused(logger, action, user.Name, refusal);
        return new FreezeResult { Refusal = refusal, Open = OpenAt(now, await ActiveAdHocAsync(now, cancellationToken)) };
    }

    private Task AuditAsync(Actor user, string action, string detail, bool refused, DateTimeOffset now, CancellationToken cancellationToken) =>
        store.AppendAuditAsync(new AuditEntry { At = now, ActorId = user.Id, ActorName = user.Name, Action = action, Detail = detail, Refused = refused }, cancellationToken);
}
