using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// The one time formatter of chat: an instant as wall-clock time in <c>chat.timeZone</c>, always with the zone
/// (<c>14:30 UTC</c>, <c>Nov 26 14:30 Europe/Berlin</c>), and the policy's answers worded in that zone.
/// </summary>
internal sealed class ChatClock(TimeProvider time, BotOptions options)
{
    public TimeZoneInfo Zone { get; } = options.Chat.FindTimeZone();

    /// <summary><c>14:30 UTC</c> today, else <c>Nov 26 14:30 UTC</c>.</summary>
    public string At(DateTimeOffset t) => HumanTime.Clock(t, time.GetUtcNow(), Zone);

    /// <summary>The policy's answer in one line (<see cref="PolicyText.Line"/>).</summary>
    public string Policy(PolicyDecision decision) => PolicyText.Line(decision, Zone);
}
