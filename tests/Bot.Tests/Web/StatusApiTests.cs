using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ChatOpsReconfig.Bot.Web;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.DependencyInjection;

namespace ChatOpsReconfig.Bot.Tests.Web;

/// <summary>/api/status, /api/rollouts, /api/live, /metrics, /healthz, /maintenance and the token, against the real bot on Kestrel.</summary>
public sealed class StatusApiTests
{
    [Fact]
    public async Task StatusTellsLaggingFailedAndUnreachableHostsApartAndMetricsAgree()
    {
        await using var bot = await WebBot.StartAsync();
        await bot.SeedMixedFleetAsync();

        using var status = JsonDocument.Parse(await bot.Http.GetStringAsync("/api/status"));
        var hosts = status.RootElement.GetProperty("hosts").EnumerateArray().ToDictionary(h => h.GetProperty("name").GetString()!, h => h);
        Assert.Equal("behind", hosts["bm01"].GetProperty("state").GetString());
        Assert.Equal("failed", hosts["bm02"].GetProperty("state").GetString());
        Assert.Equal("checkconfig: exit 1: checkconfig failed", hosts["bm02"].GetProperty("detail").GetString());
        Assert.Equal("unreachable", hosts["bm03"].GetProperty("state").GetString());
        Assert.Equal("in sync", hosts["foopy01"].GetProperty("stateLabel").GetString());
        Assert.True(hosts["bm01"].GetProperty("behindSeconds").GetInt64() >= 0);
        Assert.Equal(JsonValueKind.Null, hosts["foopy01"].GetProperty("behindSeconds").ValueKind);
        Assert.Equal("5 hosts: 2 in sync, 1 behind, 1 failed, 1 unreachable", status.RootElement.GetProperty("summary").GetString());
        Assert.False(status.RootElement.GetProperty("health").GetProperty("stale").GetBoolean());

        var metrics = await bot.Http.GetStringAsync("/metrics");
        Assert.Contains("chatops_host_in_sync{host=\"bm01\",role=\"master\"} 0", metrics);
        Assert.Contains("chatops_host_in_sync{host=\"foopy01\",role=\"foopy\"} 1", metrics);
        Assert.Contains("chatops_host_behind_seconds{host=\"foopy02\",role=\"foopy\"} 0", metrics);
        Assert.Contains("chatops_holds_active 0", metrics);
        Assert.Contains("chatops_outbox_depth", metrics);
        Assert.Contains("chatops_repo_poll_consecutive_failures{repo=\"tools\"} 0", metrics);

        var health = await bot.Http.GetAsync("/healthz");
        var text = await health.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.StartsWith("ok\nstore: ok\n", text);
        Assert.Contains("repo watcher: last poll ", text);
        Assert.Contains("chat: connected", text);
    }

    [Fact]
    public async Task LiveIsTrueOnceEveryCarrierRunsTheRevisionOrADescendantAndRolloutsAreListedWithResults()
    {
        await using var bot = await WebBot.StartAsync();
        var tools = (await bot.HeadsAsync())["tools"];
        var older = await Deployer.Tests.Fixtures.Shell.RevParseAsync(bot.Upstream("tools"), "HEAD~1");

        var before = await LiveAsync(bot, "tools", tools);
        Assert.False(before.Live);
        Assert.Equal(["bm01", "bm02", "bm03", "foopy01", "foopy02"], before.Pending.Order());
        Assert.Equal($"tools {tools[..12]}: no automatic rollout planned: no merge waiting; !deploy now rolls the lagging hosts forward", before.Estimate);

        // Every host runs the older revision: it is live, and so is anything it descends from; the head is not.
        Assert.True((await LiveAsync(bot, "tools", older)).Live);

        await bot.CloseGateAsync("foopy01");
        var started = await bot.DeployAsync("tester", "foopy01", "foopy02");
        await bot.OpenGateAsync("foopy01");
        await bot.Coordinator.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var after = await LiveAsync(bot, "tools", tools);
        Assert.Equal(["bm01", "bm02", "bm03"], after.Pending.Order());

        using var rollout = JsonDocument.Parse(await bot.Http.GetStringAsync($"/api/rollouts/{started.Id}"));
        Assert.Equal("succeeded", rollout.RootElement.GetProperty("rollout").GetProperty("state").GetString());
        var results = rollout.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["foopy01", "foopy02"], results.Select(r => r.GetProperty("host").GetString()).Order());
        Assert.All(results, r => Assert.Equal("ok", r.GetProperty("outcome").GetString()));
        var steps = results.Single(r => r.GetProperty("host").GetString() == "foopy01").GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Contains("gate", steps);

        var metrics = await bot.Http.GetStringAsync("/metrics");
        Assert.Contains("chatops_rollouts_total{outcome=\"succeeded\"} 1", metrics);
        Assert.Contains("chatops_step_duration_seconds_count{step=\"gate\",status=\"ok\"} 2", metrics);

        var missing = await bot.Http.GetAsync("/api/rollouts/999");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task StatusAndPageAreBuiltOnceAndServedFromTheCacheWithinItsAge()
    {
        await using var bot = await WebBot.StartAsync();
        bot.Services.GetRequiredService<StatusCache>().MaxAge = TimeSpan.FromHours(1);
        var first = await bot.Http.GetStringAsync("/api/status");
        var page = await bot.Http.GetStringAsync("/");
        await bot.SeedMixedFleetAsync();
        Assert.Equal(first, await bot.Http.GetStringAsync("/api/status"));
        Assert.Equal(page, await bot.Http.GetStringAsync("/"));
        // A filtered page is rendered from the same view.
        Assert.Contains("id=\"host-bm02\" class=\"host state-behind\"", await bot.Http.GetStringAsync("/?state=behind"));

        bot.Services.GetRequiredService<StatusCache>().MaxAge = TimeSpan.Zero;
        Assert.Contains("\"state\":\"failed\"", await bot.Http.GetStringAsync("/api/status"));
    }

    [Theory]
    [InlineData("/api/live?repo=nope&rev=0123456789012345678901234567890123456789", HttpStatusCode.NotFound, "no repo named 'nope'; known: buildbot-configs, buildbotcustom, tools")]
    [InlineData("/api/live?repo=tools&rev=1a2b3c", HttpStatusCode.BadRequest, "'1a2b3c' is not a full revision (40 or 64 hex digits)")]
    [InlineData("/api/live?repo=tools", HttpStatusCode.BadRequest, "give ?repo=NAME&rev=REVISION")]
    public async Task LiveRefusesBadQuestionsSaying(string path, HttpStatusCode code, string detail)
    {
        await using var bot = await WebBot.StartAsync();
        var response = await bot.Http.GetAsync(path);
        Assert.Equal(code, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(detail, body.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task WithATokenTheApiAndMetricsNeedItAndThePageDoesNot()
    {
        await using var bot = await WebBot.StartAsync(token: "s3cret-token");
        foreach (var path in new[] { "/api/status", "/metrics", "/api/rollouts/1", "/api/live?repo=tools&rev=0123456789012345678901234567890123456789" })
        {
            var refused = await bot.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.DoesNotContain("s3cret", await refused.Content.ReadAsStringAsync());
            var wrong = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-tokeN") } };
            Assert.Equal(HttpStatusCode.Unauthorized, (await bot.Http.SendAsync(wrong)).StatusCode);
        }

        var right = new HttpRequestMessage(HttpMethod.Get, "/api/status") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-token") } };
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.SendAsync(right)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bot.Http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task MaintenanceListsTheCommitsEachRolloutDeployedWithBugLinks()
    {
        await using var bot = await WebBot.StartAsync();
        var head = await bot.PushAsync("tools", "Bug 1234567 - fix the <foopy> cleanup");
        // A merge waits for the quiet window (5 min): the page, the API and !status say when it will be live.
        using (var status = JsonDocument.Parse(await bot.Http.GetStringAsync("/api/status")))
        {
            var tools = status.RootElement.GetProperty("repoDetails").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "tools");
            Assert.Matches($@"^tools {head[..12]}: live in ~5 min \(quiet until \d\d:\d\d UTC, rollout time unknown\)$", tools.GetProperty("estimate").GetString());
            Assert.Equal(1, tools.GetProperty("waiting").GetArrayLength());
        }

        var chat = await bot.Services.GetRequiredService<ChatOpsReconfig.Bot.Announcements.StatusReport>().FleetAsync(null, CancellationToken.None);
        Assert.Matches($@"\n  tools {head[..12]}: live in ~5 min \(quiet until \d\d:\d\d UTC, rollout time unknown\)\n", chat);
        var started = await bot.DeployAsync("alice", "bm01", "bm02", "bm03");
        await bot.Coordinator.WhenIdleAsync().WaitAsync(TimeSpan.FromSeconds(60));

        // The estimate made when the merge was seen (~5 min) against the real time (now): one observation, early.
        var metrics = await WaitForMetricAsync(bot, "chatops_live_eta_error_seconds_count 1");
        var sum = double.Parse(metrics.Split('\n').Single(l => l.StartsWith("chatops_live_eta_error_seconds_sum ", StringComparison.Ordinal)).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(sum, -301, -200);

        var html = await bot.Http.GetStringAsync("/maintenance");
        Assert.Contains($"rollout #{started.Id}</a> succeeded", html);
        Assert.Matches("by alice \\([^)]*\\); hosts: 3 ok", html);
        Assert.Matches($"<code>{head[..8]}</code> [^<]+: Bug 1234567 - fix the &lt;foopy&gt; cleanup", html);
        Assert.Contains("<a class=\"bug\" href=\"https://bugzilla.mozilla.org/show_bug.cgi?id=1234567\">bug 1234567</a>", html);
    }

    /// <summary>The metrics once they contain <paramref name="text"/> (events are recorded in the background).</summary>
    private static async Task<string> WaitForMetricAsync(WebBot bot, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var metrics = await bot.Http.GetStringAsync("/metrics");
            if (metrics.Contains(text, StringComparison.Ordinal)) return metrics;
            Assert.True(DateTime.UtcNow < deadline, $"no '{text}' in /metrics within 30 s:\n{metrics}");
            await Task.Delay(50);
        }
    }

    private static async Task<LiveAnswer> LiveAsync(WebBot bot, string repo, string rev) =>
        JsonSerializer.Deserialize<LiveAnswer>(await bot.Http.GetStringAsync($"/api/live?repo={repo}&rev={rev}"), StatusApi.Json)!;
}
