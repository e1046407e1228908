using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Locks;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>The words for a lock or freeze <see cref="Refusal"/>: one line for the person who asked.</summary>
internal static class RefusalText
{
    /// <param name="refusal">What the Deployer refused.</param>
    /// <param name="holds">The holds active when it refused (named when someone tried to release a hold they do not have).</param>
    /// <param name="at">When it refused: time left is counted from here.</param>
    /// <param name="zone">The zone clock times are shown in.</param>
    public static string Of(Refusal refusal, IReadOnlyList<Hold> holds, DateTimeOffset at, TimeZoneInfo zone) => refusal switch
    {
        DurationTooShort r => $"duration must be at least {HumanTime.Duration(r.Minimum)} (got {HumanTime.Duration(r.Got)})",
        DurationTooLong r => $"duration {HumanTime.Duration(r.Got)} is longer than the maximum {HumanTime.Duration(r.Maximum)}",
        ReasonTooLong r => $"reason is {r.Length} characters long; the maximum is {r.Maximum}",
        NoHold { Target: null } => $"you hold no lock; current holds: {Describe(holds, at)}",
        NoHold r => $"{SafeText.Token(r.Target, 40)} holds no lock; current holds: {Describe(holds, at)}",
        NoSystemHold r => $"there is no {r.HolderName} hold; current holds: {Describe(holds, at)}",
        NothingToRelease => "nothing to release: no holds are active",
        ExtensionTooLong r =>
            $"extending by {HumanTime.Duration(r.By)} would hold the lock for {HumanTime.Duration(r.Length)} from now; the maximum is {HumanTime.Duration(r.Maximum)}",
        NoAdHocFreeze { Scheduled.Count: 0 } => "no freeze is open",
        NoAdHocFreeze r =>
            $"no ad-hoc freeze is open; {string.Join(", ", r.Scheduled.Select(f => $"\"{f.Reason}\" until {HumanTime.Clock(f.Until, at, zone)}"))} is scheduled (policy.freezes) and can only be overridden with --force",
        _ => refusal.ToString(),
    };

    /// <summary><c>alice (1h20m left: landing bug 123), bob (45m left)</c>, or <c>none</c>.</summary>
    private static string Describe(IReadOnlyList<Hold> holds, DateTimeOffset at) =>
        holds.Count == 0
            ? "none"
            : string.Join(", ", holds.Select(h => $"{HoldText.Holder(h)} ({(h.UntilReleased ? "until released" : HumanTime.Duration(h.RemainingAt(at)) + " left")}{(HoldText.Reason(h) is { Length: > 0 } why ? ": " + why : "")})"));
}
