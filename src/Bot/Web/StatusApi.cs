using System.Globalization;
using System.Text.Json;
using System.Text;
using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>
/// The read-only endpoints: the pages, <c>/api/status</c>, <c>/api/rollouts/{id}</c>, <c>/api/live</c>,
/// <c>/api/maintenance</c>, <c>/metrics</c>, <c>/events</c> (Server-Sent Events) and <c>/healthz</c>. <c>/api/*</c> and
/// <c>/metrics</c> need the bearer token when one is configured.
/// </summary>
internal static class StatusApi
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Entries on <c>/maintenance</c>.</summary>
    private const int MaintenanceEntries = 50;

    public static IEndpointRouteBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", async (HttpContext ctx, StatusCache status, string? role, string? state) =>
            Html(await status.PageAsync(role, state, ctx.RequestAborted)));
        app.MapGet("/rollouts/{id:int}", async (HttpContext ctx, int id, IRolloutStore store) =>
            await RolloutDetails.LoadAsync(store, id, ctx.RequestAborted) is { } d ? Html(StatusPage.RenderRollout(d)) : Results.NotFound($"no rollout #{id}\n"));
        app.MapGet("/maintenance", async (HttpContext ctx, MaintenanceLog log, BotOptions options) =>
            Html(StatusPage.RenderMaintenance(await log.LatestAsync(MaintenanceEntries, ctx.RequestAborted), options.Chat.BugUrlTemplate)));

        app.MapGet("/api/status", async (HttpContext ctx, StatusCache status) =>
            Results.Bytes(await status.JsonAsync(ctx.RequestAborted), "application/json; charset=utf-8")).AddEndpointFilter(RequireToken);
        app.MapGet("/api/rollouts/{id:int}", async (HttpContext ctx, int id, IRolloutStore store) =>
            await RolloutDetails.LoadAsync(store, id, ctx.RequestAborted) is { } d ? Results.Json(d, Json) : Problem(404, $"no rollout #{id}")).AddEndpointFilter(RequireToken);
        app.MapGet("/api/maintenance", async (HttpContext ctx, MaintenanceLog log) => Results.Json(await log.LatestAsync(MaintenanceEntries, ctx.RequestAborted), Json)).AddEndpointFilter(RequireToken);
        app.MapGet("/api/live", LiveAsync).AddEndpointFilter(RequireToken);
        app.MapGet("/metrics", MetricsAsync).AddEndpointFilter(RequireToken);
        app.MapGet("/events", EventsAsync);
        app.MapGet("/healthz", async (HttpContext ctx, StatusViewBuilder status) => Health(await status.HealthAsync(ctx.RequestAborted)));
        return app;
    }

    private static async Task<IResult> LiveAsync(HttpContext ctx, string? repo, string? rev, FleetConfig fleet, LiveCheck live)
    {
        if (string.IsNullOrEmpty(repo) || string.IsNullOrEmpty(rev)) return Problem(400, "give ?repo=NAME&rev=REVISION");
        if (!fleet.Repos.ContainsKey(repo)) return Problem(404, $"no repo named '{SafeText.Clean(repo, 80)}'; known: {string.Join(", ", fleet.Repos.Keys)}");
        if (!CommitLog.IsRevision(rev.ToLowerInvariant())) return Problem(400, $"'{SafeText.Clean(rev, 80)}' is not a full revision (40 or 64 hex digits)");
        return Results.Json(await live.CheckAsync(repo, rev, ctx.RequestAborted), Json);
    }

    private static async Task MetricsAsync(HttpContext ctx, BotMetrics metrics)
    {
        ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await metrics.Registry.CollectAndExportAsTextAsync(ctx.Response.Body, ctx.RequestAborted);
    }

    /// <summary>Rollout progress as Server-Sent Events: one event per rollout start, host start, step, host end and rollout end.</summary>
    private static async Task EventsAsync(HttpContext ctx, DeployerEvents events)
    {
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        var reader = events.Subscribe();
        try
        {
            await ctx.Response.WriteAsync(": chatops rollout progress\n\n", ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            await foreach (var e in reader.ReadAllAsync(ctx.RequestAborted))
            {
                if (LiveEvent.From(e) is not { } live) continue;
                await ctx.Response.WriteAsync($"event: {live.Kind}\ndata: {JsonSerializer.Serialize(live, Json)}\n\n", ctx.RequestAborted);
                await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // the browser went away, or the bot is stopping
        }
        finally
        {
            events.Unsubscribe(reader);
        }
    }

    private static IResult Health(HealthView h)
    {
        var sb = new StringBuilder(h.StoreOk && !h.Stale ? "ok\n" : "unhealthy\n");
        sb.Append("store: ").Append(h.StoreOk ? "ok" : "unreachable").Append('\n');
        sb.Append("policy loop: ").Append(Age(h.PolicyTickAgeSeconds, "last tick")).Append('\n');
        sb.Append("repo watcher: ").Append(Age(h.WatcherPollAgeSeconds, "last poll")).Append('\n');
        sb.Append("chat: ").Append(h.ChatConnected ? "connected" : "delivery failing").Append(", ").Append(h.OutboxDepth).Append(" message(s) in the outbox\n");
        foreach (var p in h.Problems) sb.Append("problem: ").Append(p).Append('\n');
        return Results.Text(sb.ToString(), "text/plain; charset=utf-8", statusCode: h.StoreOk && !h.Stale ? 200 : 503);

        static string Age(double? seconds, string what) =>
            seconds is { } s ? $"{what} {s.ToString("0", CultureInfo.InvariantCulture)}s ago" : $"no {what} yet";
    }

    private static async ValueTask<object?> RequireToken(EndpointFilterInvocationContext ctx, EndpointFilterDelegate next)
    {
        var token = ctx.HttpContext.RequestServices.GetService(typeof(WebToken)) as WebToken ?? WebToken.None;
        if (token.Allows(ctx.HttpContext.Request)) return await next(ctx);
        ctx.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return Problem(401, "this endpoint needs Authorization: Bearer TOKEN (web.tokenEnv / web.tokenFile)");
    }

    private static IResult Html(string html) => Results.Content(html, "text/html; charset=utf-8");

    private static IResult Problem(int status, string detail) => Results.Problem(detail: detail, statusCode: status);

}

/// <summary>One Server-Sent Event for the page: its kind and a line of text ready to show.</summary>
internal sealed record LiveEvent(string Kind, int RolloutId, string? Host, string? Outcome, int? Done, int? Total, int? Failed, string Text)
{
    public static LiveEvent? From(DeployerEvent e) => e switch
    {
        RolloutStarted s => new("rollout-started", s.Rollout.Id, null, null, 0, s.Rollout.Hosts.Count, 0,
            $"rollout #{s.Rollout.Id} by {s.Rollout.StartedBy}: started on {s.Rollout.Hosts.Count} host(s)"),
        HostStarted h => new("host-started", h.RolloutId, h.Host, null, null, null, null, $"rollout #{h.RolloutId}: {h.Host} started"),
        HostStepFinished s => new("step-finished", s.RolloutId, s.Host, HostText.Step(s.Step.Status), null, null, null,
            $"rollout #{s.RolloutId}: {s.Host} {s.Step.Name} {HostText.Step(s.Step.Status)} ({(s.Step.DurationMs / 1000.0).ToString("0.0", CultureInfo.InvariantCulture)}s)"),
        HostFinished f => new("host-finished", f.RolloutId, f.Result.Host, f.Result.Outcome.ToString().ToLowerInvariant(), f.Done, f.Total, f.Failed,
            $"rollout #{f.RolloutId}: {f.Done}/{f.Total} done, {f.Failed} failed — {f.Result.Host} {f.Result.Outcome.ToString().ToLowerInvariant()}"),
        RolloutFinished f => new("rollout-finished", f.Rollout.Id, null, f.Rollout.State.ToString().ToLowerInvariant(), f.Results.Count, f.Rollout.Hosts.Count, null,
            $"rollout #{f.Rollout.Id} {f.Rollout.State.ToString().ToLowerInvariant()}: {RolloutText.Summary(f.Rollout)} (reload for the new table)"),
        _ => null,
    };
}
