using System.Globalization;
using System.Text;
using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Bugs;

namespace ChatOpsReconfig.Bot.Bugs;

/// <summary><c>!status bugs</c>: each tracker (dry run or not), then the comments waiting, given up, and the latest sent.</summary>
internal sealed class BugStatus(BugTrackers trackers, IBugCommentOutbox outbox, TimeProvider time)
{
    private const int Shown = 10;

    public async Task<string> ReplyAsync(CancellationToken cancellationToken)
    {
        if (trackers.Options.Count == 0) return "no bug trackers configured (the bugs section of the config)";
        var now = time.GetUtcNow();
        var entries = await outbox.RecentAsync(Shown, cancellationToken);
        var sb = new StringBuilder();
        foreach (var (name, t) in trackers.Options)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{name}: {t.Kind} {t.Url}{(t.Project is null ? "" : " " + t.Project)}, repos {string.Join(", ", t.Repos)}")
                .Append(t.DryRun ? " — DRY RUN: comments are logged, not sent" : "").Append('\n');
        }

        var pending = entries.Where(e => e.State == BugCommentState.Pending).ToList();
        var failed = entries.Where(e => e.State == BugCommentState.Failed).ToList();
        var sent = entries.Where(e => e.State == BugCommentState.Sent).Take(5).ToList();
        sb.Append(CultureInfo.InvariantCulture, $"{pending.Count} pending, {failed.Count} given up\n");
        var table = new TextTable("state", "tracker", "bug", "rollout", "tries", "when", "note");
        foreach (var e in pending)
            table.Add("pending", e.Tracker, Num(e.Bug), "#" + Num(e.RolloutId), Num(e.Attempts), "next " + Ago(e.NextAttemptAt, now), BugDeliveryText.Note(e));
        foreach (var e in failed)
            table.Add("given up", e.Tracker, Num(e.Bug), "#" + Num(e.RolloutId), Num(e.Attempts), "", BugDeliveryText.Note(e));
        foreach (var e in sent)
            table.Add("sent", e.Tracker, Num(e.Bug), "#" + Num(e.RolloutId), Num(e.Attempts), e.DeliveredAt is { } d ? Ago(d, now) : "", BugDeliveryText.Note(e));
        if (pending.Count + failed.Count + sent.Count > 0) sb.Append(string.Join('\n', table.Lines()));
        return sb.ToString().TrimEnd('\n');
    }

    private static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Ago(DateTimeOffset t, DateTimeOffset now) =>
        t <= now ? $"{Announcements.HumanTime.Duration(now - t)} ago" : $"in {Announcements.HumanTime.Duration(t - now)}";
}
