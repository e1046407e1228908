using System.Globalization;
using System.Text;
using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Web;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Bot.Maintenance;

/// <summary>The maintenance log as text: a few lines per rollout for chat, or a Markdown page for a wiki.</summary>
internal static class MaintenanceText
{
    public static string Chat(IReadOnlyList<MaintenanceEntry> entries, string bugUrlTemplate, Announcements.ChatClock clock)
    {
        if (entries.Count == 0) return "the maintenance log is empty: no rollout has finished yet";
        var sb = new StringBuilder();
        foreach (var e in entries)
        {
            if (sb.Length > 0) sb.Append('\n');
            sb.Append(Header(e, clock.At(e.FinishedAt ?? e.StartedAt))).Append('\n');
            foreach (var repo in e.Repos.Where(r => r.Commits.Count > 0))
            {
                foreach (var c in repo.Commits)
                {
                    sb.Append("  ").Append(repo.Repo).Append(' ').Append(RevisionSet.Short(c.Rev)).Append("  ")
                        .Append(SafeText.Clean(c.Author, 30)).Append("  ").Append(SafeText.Clean(c.Summary, 100));
                    foreach (var bug in c.Bugs) sb.Append(' ').Append(BugUrl(bugUrlTemplate, bug));
                    sb.Append('\n');
                }
            }

            if (e.Repos.All(r => r.Commits.Count == 0)) sb.Append("  (no new commits recorded)\n");
        }

        return sb.ToString().TrimEnd('\n');
    }

    public static string Markdown(IReadOnlyList<MaintenanceEntry> entries, string bugUrlTemplate, string? statusUrl)
    {
        var sb = new StringBuilder("# Deployed changes\n");
        if (entries.Count == 0) sb.Append("\nNo rollout finished in this period.\n");
        foreach (var e in entries)
        {
            sb.Append("\n## ").Append(Time(e)).Append(" — rollout #").Append(e.RolloutId).Append(' ').Append(e.State).Append('\n');
            sb.Append("\nBy ").Append(Md(e.StartedBy)).Append(" (").Append(Md(e.Reason)).Append("); hosts: ").Append(Outcomes(e)).Append('.');
            if (statusUrl is not null) sb.Append(" [details](").Append(statusUrl.TrimEnd('/')).Append("/rollouts/").Append(e.RolloutId).Append(')');
            sb.Append("\n\n");
            foreach (var repo in e.Repos)
            {
                sb.Append("- **").Append(Md(repo.Repo)).Append("** `").Append(RevisionSet.Short(repo.Revision)).Append('`');
                if (repo.Commits.Count == 0) sb.Append(" (no new commits recorded)");
                sb.Append('\n');
                foreach (var c in repo.Commits)
                {
                    sb.Append("  - `").Append(RevisionSet.Short(c.Rev)).Append("` ").Append(Md(c.Author)).Append(": ").Append(Md(c.Summary));
                    foreach (var bug in c.Bugs) sb.Append(" [bug ").Append(bug).Append("](").Append(BugUrl(bugUrlTemplate, bug)).Append(')');
                    sb.Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    private static string Header(MaintenanceEntry e, string time) =>
        $"#{e.RolloutId} {time} {e.State} by {SafeText.Clean(e.StartedBy, 40)} ({SafeText.Clean(e.Reason, 80)}); hosts: {Outcomes(e)}";

    private static string Outcomes(MaintenanceEntry e) => string.Join(", ", e.Outcomes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value} {kv.Key}"));

    private static string Time(MaintenanceEntry e) => (e.FinishedAt ?? e.StartedAt).UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    private static string BugUrl(string template, int bug) => template.Replace("{id}", bug.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>Commit text cannot break the page: one line, Markdown's active characters escaped.</summary>
    private static string Md(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in SafeText.Clean(s, 200))
        {
            if (ch is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '#' or '|') sb.Append('\\');
            sb.Append(ch);
        }

        return sb.ToString();
    }
}
