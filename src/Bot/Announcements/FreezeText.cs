namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>A freeze's reason as people read it wherever freezes are shown (replies, status, policy answers, the web).</summary>
internal static class FreezeText
{
    /// <summary>The reason given; <c>ad-hoc freeze</c> for an ad-hoc freeze (one with an opener) opened without one.</summary>
    public static string Reason(string reason, string? by) => reason.Length == 0 && by is not null ? "ad-hoc freeze" : reason;
}
