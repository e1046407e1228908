using ChatOpsReconfig.Bot.Announcements;
using System.Globalization;
using System.Net;
using System.Text;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>
/// The server-rendered HTML pages: the status page (<c>/</c>), a rollout's results (<c>/rollouts/{id}</c>) and the
/// deployed-changes log (<c>/maintenance</c>). Plain HTML that works without JavaScript; the script only subscribes to
/// <c>/events</c> for live rollout progress and submits the filter form on change.
/// </summary>
internal static class StatusPage
{
    private const string Style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;padding:8px 12px;max-width:1400px;color:#222}
        h1{font-size:20px;margin:4px 0}h2{font-size:16px;margin:16px 0 4px}
        table{border-collapse:collapse}th,td{padding:2px 6px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
        .scroll{overflow-x:auto}code,.rev{font-family:ui-monospace,monospace;font-size:13px}
        .state{font-weight:600}.state-insync{color:#176b2c}.state-behind{color:#8a5300}.state-partial{color:#7a2e9e}
        .state-failed{color:#b00020}.state-unreachable{color:#6b1f1f}.state-disabled,.state-unknown{color:#777}
        tr.state-insync td.state{background:#e7f6ea}tr.state-behind td.state{background:#fff3da}tr.state-partial td.state{background:#f3e6fa}
        tr.state-failed td.state{background:#fde4e7}tr.state-unreachable td.state{background:#f1dede}
        .cell.insync{background:#eef8f0}.cell.behind{background:#fff3da}.cell.none{color:#aaa}
        .tag{font-size:11px;padding:0 3px;border-radius:3px;background:#f0c36d;margin-left:4px}
        .live{padding:6px 8px;border-radius:4px;background:#f3f3f3}.live.running{background:#e3efff}
        .warn{color:#b00020;font-weight:600}pre{white-space:pre-wrap;max-height:20em;overflow:auto;background:#f7f7f7;padding:4px;margin:2px 0}
        form{margin:8px 0}select,button{font:inherit}
        @media (max-width:600px){th,td{padding:2px 3px}body{font-size:13px}}
        """;

    private const string Script = """
        (function(){
          var form=document.getElementById('filters');
          if(form){form.querySelectorAll('select').forEach(function(s){s.addEventListener('change',function(){form.submit();});});}
          var box=document.getElementById('live');
          if(!box||!window.EventSource)return;
          var es=new EventSource('/events');
          ['rollout-started','host-started','step-finished','host-finished','rollout-finished'].forEach(function(kind){
            es.addEventListener(kind,function(m){
              var d=JSON.parse(m.data);
              box.textContent=d.text;
              box.className='live '+(kind==='rollout-finished'?'finished':'running');
              box.setAttribute('data-event',kind);
            });
          });
        })();
        """;

    public static string Render(StatusView view, string? role, string? state)
    {
        var sb = new StringBuilder(4096 + (view.Hosts.Count * (200 + (view.Repos.Count * 90))));
        Head(sb, "chatops: fleet status");
        sb.Append("<header><h1>Fleet status</h1><p id=\"summary\">").Append(E(view.Summary)).Append("</p>");
        sb.Append("<p id=\"policy\">policy: ").Append(E(view.Policy)).Append("</p>");
        foreach (var p in view.Health.Problems) sb.Append("<p class=\"warn\">").Append(E(p)).Append("</p>");
        sb.Append("</header>");

        sb.Append("<section id=\"locks\">");
        if (view.Holds.Count == 0) sb.Append("<p>lock: free</p>");
        foreach (var h in view.Holds)
            sb.Append("<p class=\"hold\">held by <b>").Append(E(h.Holder)).Append("</b> until ").Append(Time(h.ExpiresAt)).Append(h.Reason.Length > 0 ? " — " + E(h.Reason) : "").Append("</p>");
        foreach (var f in view.Freezes)
            sb.Append("<p class=\"freeze warn\">FROZEN: ").Append(E(f.Reason)).Append(" until ").Append(Time(f.Until)).Append(f.By is null ? "" : " (by " + E(f.By) + ")").Append("</p>");
        sb.Append("</section>");

        sb.Append("<p id=\"live\" class=\"live ").Append(view.Running is null ? "idle\">no rollout running" : "running\">" + E(RunningText(view.Running))).Append("</p>");

        Filters(sb, view, role, state);
        Matrix(sb, view, role, state);
        Repos(sb, view);
        Rollouts(sb, view);
        sb.Append("<footer><p>generated ").Append(Time(view.GeneratedAt)).Append(" · <a href=\"/maintenance\">deployed changes</a> · <a href=\"/api/status\">JSON</a></p></footer>");
        sb.Append("<script>").Append(Script).Append("</script></body></html>");
        return sb.ToString();
    }

    public static string RunningText(RunningView r) => $"rollout #{r.Id} by {r.StartedBy}: {r.Done}/{r.Total} done, {r.Failed} failed";

    private static void Filters(StringBuilder sb, StatusView view, string? role, string? state)
    {
        sb.Append("<form id=\"filters\" method=\"get\" action=\"/\"><label>role <select name=\"role\"><option value=\"\">all</option>");
        foreach (var r in view.Hosts.Select(h => h.Role).Distinct().Order(StringComparer.Ordinal))
            sb.Append("<option").Append(r == role ? " selected" : "").Append('>').Append(E(r)).Append("</option>");
        sb.Append("</select></label> <label>state <select name=\"state\"><option value=\"\">all</option>");
        foreach (var (key, label) in view.Hosts.Select(h => (h.State, h.StateLabel)).Distinct().OrderBy(s => s.State, StringComparer.Ordinal))
            sb.Append("<option value=\"").Append(E(key)).Append('"').Append(key == state ? " selected" : "").Append('>').Append(E(label)).Append("</option>");
        sb.Append("</select></label> <button>filter</button></form>");
    }

    private static void Matrix(StringBuilder sb, StatusView view, string? role, string? state)
    {
        sb.Append("<div class=\"scroll\"><table id=\"matrix\"><thead><tr><th>host</th><th>role</th><th>state</th>");
        foreach (var r in view.Repos) sb.Append("<th>").Append(E(r)).Append("</th>");
        sb.Append("<th>behind</th><th>detail</th><th>last rollout</th></tr></thead><tbody>");
        foreach (var h in view.Hosts)
        {
            if (!string.IsNullOrEmpty(role) && h.Role != role) continue;
            if (!string.IsNullOrEmpty(state) && h.State != state) continue;
            sb.Append("<tr id=\"host-").Append(E(h.Name)).Append("\" class=\"host state-").Append(h.State).Append("\"><th>").Append(E(h.Name)).Append("</th><td>")
                .Append(E(h.Role)).Append("</td><td class=\"state state-").Append(h.State).Append("\">").Append(E(h.StateLabel)).Append("</td>");
            foreach (var c in h.Cells)
            {
                if (c.Head is null && c.OnHost is null)
                {
                    sb.Append("<td class=\"cell none\">–</td>");
                    continue;
                }

                sb.Append("<td class=\"cell rev ").Append(c.InSync ? "insync" : "behind").Append("\" title=\"production ").Append(E(c.Head)).Append("\">")
                    .Append(E(Short(c.OnHost))).Append(c.InSync ? "" : "<span class=\"tag\">behind</span>").Append("</td>");
            }

            sb.Append("<td>").Append(h.BehindSeconds is { } s ? HumanTime.MinutesSince(TimeSpan.FromSeconds(s)) : "").Append("</td><td>").Append(E(h.Detail)).Append("</td><td>");
            if (h.LastRolloutId is { } id) sb.Append("<a href=\"/rollouts/").Append(id).Append("\">#").Append(id).Append("</a>");
            sb.Append("</td></tr>");
        }

        sb.Append("</tbody></table></div>");
    }

    private static void Repos(StringBuilder sb, StatusView view)
    {
        sb.Append("<section id=\"repos\"><h2>Production</h2><ul>");
        foreach (var r in view.RepoDetails)
        {
            sb.Append("<li id=\"repo-").Append(E(r.Name)).Append("\"><b>").Append(E(r.Name)).Append("</b> ").Append(E(r.Branch)).Append(" <code>").Append(E(Short(r.Head))).Append("</code> ");
            if (r.Waiting.Count == 0) sb.Append(r.HostsBehind == 0 ? "deployed" : $"{r.HostsBehind}/{r.HostsCarrying} hosts behind");
            else sb.Append("NOT deployed: ").Append(r.Waiting.Sum(m => m.Commits)).Append(" commit(s) waiting; ").Append(r.HostsBehind).Append('/').Append(r.HostsCarrying).Append(" hosts behind");
            if (r.LastPushAt is { } at) sb.Append("; last push ").Append(Time(at));
            if (!r.PollOk) sb.Append(" <span class=\"warn\">cannot reach: ").Append(E(r.PollError)).Append("</span>");
            if (r.Estimate is not null) sb.Append("<br><span class=\"eta\">").Append(E(r.Estimate)).Append("</span>");
            if (r.Waiting.Count > 0)
            {
                sb.Append("<ul>");
                foreach (var m in r.Waiting)
                    sb.Append("<li><code>").Append(E(m.Head)).Append("</code> ").Append(m.Commits).Append(" commit(s) by ").Append(E(string.Join(", ", m.Authors)))
                        .Append(m.Bugs.Count > 0 ? " — bug " + string.Join(", ", m.Bugs) : "").Append(", seen ").Append(Time(m.DetectedAt)).Append("</li>");
                sb.Append("</ul>");
            }

            sb.Append("</li>");
        }

        sb.Append("</ul></section>");
    }

    private static void Rollouts(StringBuilder sb, StatusView view)
    {
        sb.Append("<section id=\"rollouts\"><h2>Last rollouts</h2><div class=\"scroll\"><table><thead><tr><th>#</th><th>state</th><th>started</th><th>by</th><th>hosts</th><th>summary</th></tr></thead><tbody>");
        foreach (var r in view.Rollouts)
        {
            sb.Append("<tr><td><a href=\"/rollouts/").Append(r.Id).Append("\">#").Append(r.Id).Append("</a></td><td>").Append(E(r.State)).Append("</td><td>")
                .Append(Time(r.StartedAt)).Append("</td><td>").Append(E(r.StartedBy)).Append("</td><td>").Append(r.Hosts).Append("</td><td>").Append(E(r.Summary ?? r.Reason)).Append("</td></tr>");
        }

        sb.Append("</tbody></table></div></section>");
    }

    public static string RenderRollout(RolloutDetails d)
    {
        var r = d.Rollout;
        var sb = new StringBuilder();
        Head(sb, $"chatops: rollout #{r.Id}");
        sb.Append("<p><a href=\"/\">← fleet status</a></p><h1>Rollout #").Append(r.Id).Append(": ").Append(E(r.State)).Append("</h1>");
        sb.Append("<p>started ").Append(Time(r.StartedAt)).Append(" by ").Append(E(r.StartedBy)).Append(" (").Append(E(r.Reason)).Append(')');
        if (r.FinishedAt is { } f) sb.Append(", finished ").Append(Time(f));
        sb.Append("</p><p>revisions: ").Append(E(string.Join(", ", r.Revisions.Select(kv => $"{kv.Key} {Short(kv.Value)}")))).Append("</p>");
        if (r.Summary is not null) sb.Append("<p id=\"rollout-summary\">").Append(E(r.Summary)).Append("</p>");
        sb.Append("<div class=\"scroll\"><table id=\"results\"><thead><tr><th>host</th><th>role</th><th>outcome</th><th>failed step / error</th><th>steps</th></tr></thead><tbody>");
        foreach (var h in d.Results)
        {
            sb.Append("<tr id=\"result-").Append(E(h.Host)).Append("\" class=\"outcome-").Append(E(h.Outcome)).Append("\"><th>").Append(E(h.Host)).Append("</th><td>").Append(E(h.Role))
                .Append("</td><td class=\"outcome\">").Append(E(h.Outcome)).Append(h.Restored ? " (restored)" : "").Append("</td><td>")
                .Append(E(h.FailedStep is null ? h.Error : $"{h.FailedStep}: {h.Error}")).Append("</td><td>");
            foreach (var s in h.Steps)
            {
                sb.Append("<details><summary>").Append(E(s.Name)).Append(": ").Append(E(s.Status)).Append(s.ExitCode is { } c and not 0 ? $" (exit {c})" : "")
                    .Append(' ').Append((s.DurationMs / 1000.0).ToString("0.0", CultureInfo.InvariantCulture)).Append("s</summary>");
                if (s.Error is not null) sb.Append("<p>").Append(E(s.Error)).Append("</p>");
                if (s.Stdout.Length > 0) sb.Append("<pre class=\"stdout\">").Append(E(s.Stdout)).Append("</pre>");
                if (s.Stderr.Length > 0) sb.Append("<pre class=\"stderr\">").Append(E(s.Stderr)).Append("</pre>");
                sb.Append("</details>");
            }

            sb.Append("</td></tr>");
        }

        sb.Append("</tbody></table></div></body></html>");
        return sb.ToString();
    }

    public static string RenderMaintenance(IReadOnlyList<MaintenanceEntry> entries, string bugUrlTemplate)
    {
        var sb = new StringBuilder();
        Head(sb, "chatops: deployed changes");
        sb.Append("<p><a href=\"/\">← fleet status</a></p><h1>Deployed changes</h1>");
        if (entries.Count == 0) sb.Append("<p>No rollout has finished yet.</p>");
        foreach (var e in entries)
        {
            sb.Append("<section class=\"maintenance\" id=\"m-").Append(e.RolloutId).Append("\"><h2>").Append(Time(e.FinishedAt ?? e.StartedAt)).Append(" — <a href=\"/rollouts/")
                .Append(e.RolloutId).Append("\">rollout #").Append(e.RolloutId).Append("</a> ").Append(E(e.State)).Append("</h2><p>by ").Append(E(e.StartedBy)).Append(" (")
                .Append(E(e.Reason)).Append("); hosts: ").Append(E(string.Join(", ", e.Outcomes.Select(kv => $"{kv.Value} {kv.Key}")))).Append("</p><ul>");
            foreach (var repo in e.Repos)
            {
                sb.Append("<li><b>").Append(E(repo.Repo)).Append("</b> <code>").Append(E(Short(repo.Revision))).Append("</code>");
                if (repo.Commits.Count == 0) sb.Append(" (no new commits recorded)");
                else if (repo.TotalCommits > repo.Commits.Count) sb.Append(" (").Append(repo.TotalCommits).Append(" commits, newest shown)");
                sb.Append("<ul>");
                foreach (var c in repo.Commits)
                {
                    sb.Append("<li><code>").Append(E(Short(c.Rev))).Append("</code> ").Append(E(c.Author)).Append(": ").Append(E(c.Summary));
                    foreach (var bug in c.Bugs)
                        sb.Append(" <a class=\"bug\" href=\"").Append(E(bugUrlTemplate.Replace("{id}", bug.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))).Append("\">bug ").Append(bug).Append("</a>");
                    sb.Append("</li>");
                }

                sb.Append("</ul></li>");
            }

            sb.Append("</ul></section>");
        }

        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static void Head(StringBuilder sb, string title) =>
        sb.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>")
            .Append(E(title)).Append("</title><style>").Append(Style).Append("</style></head><body>");

    private static string Short(string? rev) => string.IsNullOrEmpty(rev) ? "?" : rev.Length > 8 ? rev[..8] : rev;

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + "Z";

    private static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
}
