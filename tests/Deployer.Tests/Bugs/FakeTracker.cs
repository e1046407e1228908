using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Tests.Bugs;

/// <summary>
/// A bug tracker on loopback Kestrel with the failure modes tests script: the next n requests answered with a status
/// (5xx, 429 with Retry-After), requests held until released (slow answers), and a POST whose comment is recorded but
/// whose answer is lost (the connection is cut). Subclasses speak Bugzilla's or GitHub's wire shapes.
/// </summary>
public abstract class FakeTracker : IAsyncDisposable
{
    private readonly ConcurrentQueue<(int Status, int RetryAfterSeconds)> _failures = new();
    private WebApplication? _app;
    private volatile TaskCompletionSource? _held;
    private int _loseNextPostAnswers;

    /// <summary>The bugs that exist.</summary>
    public ConcurrentDictionary<int, bool> Bugs { get; } = new();

    /// <summary>Comments per bug, in order (what a person reading the bug sees).</summary>
    public ConcurrentDictionary<int, List<string>> Comments { get; } = new();

    public int Requests;

    /// <summary>Requests that arrived without the right credential.</summary>
    public int Unauthorized;

    public string Secret { get; } = "test-secret-" + Guid.NewGuid().ToString("N")[..8];

    public string Url => _app!.Urls.Single();

    /// <summary>Signals each request as it arrives (method and path), before it is answered.</summary>
    public event Action<string>? Arrived;

    public IReadOnlyList<string> CommentsOn(int bug) => Comments.TryGetValue(bug, out var list) ? Locked(list, () => list.ToList()) : [];

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/> (a 429 with <paramref name="retryAfterSeconds"/>).</summary>
    public void FailNext(int count, int status = 500, int retryAfterSeconds = 0)
    {
        for (var i = 0; i < count; i++) _failures.Enqueue((status, retryAfterSeconds));
    }

    /// <summary>Drops the failures still queued by <see cref="FailNext"/>: the tracker is back.</summary>
    public void Heal() => _failures.Clear();

    /// <summary>Requests wait until <see cref="Release"/> (or the client gives up).</summary>
    public void Hold() => _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => Interlocked.Exchange(ref _held, null)?.TrySetResult();

    /// <summary>Completes when a POST recorded its comment and then waits (see <see cref="HoldAfterNextPost"/>).</summary>
    public TaskCompletionSource? PostRecorded { get; private set; }

    /// <summary>The next POST records its comment and then never answers (the bot is killed meanwhile).</summary>
    public void HoldAfterNextPost() => PostRecorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The next POST records its comment, then the connection is cut before the answer.</summary>
    public void LoseNextPostAnswer() => Interlocked.Increment(ref _loseNextPostAnswers);

    protected async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        if (_app is not null) await _app.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected abstract bool Authorized(HttpRequest request);

    protected abstract Task AnswerAsync(HttpContext ctx, string[] path, JsonNode? body);

    protected abstract Task ErrorAsync(HttpContext ctx, int status, string message, int code);

    protected void AddComment(int bug, string text)
    {
        var list = Comments.GetOrAdd(bug, _ => []);
        Locked(list, () =>
        {
            list.Add(text);
            return 0;
        });
    }

    /// <summary>True (and the connection cut) when this POST's answer is to be lost; its comment is already recorded.</summary>
    protected async Task<bool> LoseAnswerAsync(HttpContext ctx)
    {
        if (PostRecorded is { } recorded)
        {
            PostRecorded = null;
            recorded.TrySetResult();
            // Never answered: the client (killed) goes away, or the test ends.
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return true;
        }

        if (Interlocked.Decrement(ref _loseNextPostAnswers) < 0)
        {
            Interlocked.Increment(ref _loseNextPostAnswers);
            return false;
        }

        ctx.Abort();
        return true;
    }

    protected static int? Number(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    protected static Task JsonAsync(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        return ctx.Response.WriteAsync(body.ToJsonString());
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref Requests);
        Arrived?.Invoke($"{ctx.Request.Method} {ctx.Request.Path}");
        if (_held is { } held) await held.Task.WaitAsync(ctx.RequestAborted);
        if (_failures.TryDequeue(out var failure))
        {
            var status = failure.Status;
            if (status == 429) ctx.Response.Headers.RetryAfter = failure.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await ErrorAsync(ctx, status, status == 429 ? "rate limited" : "Internal Error", 0);
            return;
        }

        if (!Authorized(ctx.Request))
        {
            Interlocked.Increment(ref Unauthorized);
            await ErrorAsync(ctx, 401, "You must log in before using this part of Bugzilla.", 410);
            return;
        }

        JsonNode? body = null;
        if (ctx.Request.ContentLength > 0 || ctx.Request.Method == "POST")
        {
            if (ctx.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
            {
                await ErrorAsync(ctx, 415, "Content-Type must be application/json", 32614);
                return;
            }

            try
            {
                body = await JsonNode.ParseAsync(ctx.Request.Body);
            }
            catch (JsonException)
            {
                await ErrorAsync(ctx, 400, "Problems parsing JSON", 32000);
                return;
            }
        }

        await AnswerAsync(ctx, ctx.Request.Path.Value!.Trim('/').Split('/'), body);
    }

    private static T Locked<T>(List<string> list, Func<T> read)
    {
        lock (list) return read();
    }
}

/// <summary>Bugzilla 5 REST: <c>/rest/bug/{id}</c>, <c>/rest/bug/{id}/comment</c>; key in <c>X-BUGZILLA-API-KEY</c>.</summary>
public sealed class FakeBugzilla : FakeTracker
{
    public static async Task<FakeBugzilla> StartAsync(params int[] bugs)
    {
        var fake = new FakeBugzilla();
        foreach (var b in bugs) fake.Bugs[b] = true;
        await fake.ListenAsync();
        return fake;
    }

    protected override bool Authorized(HttpRequest request) => request.Headers["X-BUGZILLA-API-KEY"] == Secret;

    protected override Task ErrorAsync(HttpContext ctx, int status, string message, int code) =>
        JsonAsync(ctx, status, new JsonObject { ["error"] = true, ["code"] = code, ["message"] = message, ["documentation"] = "https://bmo.readthedocs.io/en/latest/api/" });

    protected override async Task AnswerAsync(HttpContext ctx, string[] path, JsonNode? body)
    {
        if (path is not ["rest", "bug", var idText, ..] || Number(idText) is not { } id)
        {
            await ErrorAsync(ctx, 404, "no such resource", 32614);
            return;
        }

        if (!Bugs.ContainsKey(id))
        {
            await ErrorAsync(ctx, 404, $"Bug #{id} does not exist.", 101);
            return;
        }

        switch (ctx.Request.Method, path.Length)
        {
            case ("GET", 3):
                await JsonAsync(ctx, 200, new JsonObject { ["bugs"] = new JsonArray(new JsonObject { ["id"] = id }), ["faults"] = new JsonArray() });
                return;
            case ("GET", 4) when path[3] == "comment":
                var comments = new JsonArray(CommentsOn(id).Select((t, i) => (JsonNode)new JsonObject { ["id"] = i + 1, ["bug_id"] = id, ["text"] = t, ["count"] = i }).ToArray());
                await JsonAsync(ctx, 200, new JsonObject { ["bugs"] = new JsonObject { [id.ToString(CultureInfo.InvariantCulture)] = new JsonObject { ["comments"] = comments } }, ["comments"] = new JsonObject() });
                return;
            case ("POST", 4) when path[3] == "comment":
                if (body?["comment"]?.GetValue<string>() is not { Length: > 0 } text)
                {
                    await ErrorAsync(ctx, 400, "You must specify a comment", 54);
                    return;
                }

                AddComment(id, text);
                if (await LoseAnswerAsync(ctx)) return;
                await JsonAsync(ctx, 201, new JsonObject { ["id"] = CommentsOn(id).Count });
                return;
            default:
                await ErrorAsync(ctx, 404, "no such resource", 32614);
                return;
        }
    }
}

/// <summary>GitHub REST: <c>/repos/{owner}/{repo}/issues/{n}</c> and <c>…/comments</c>; bearer token; User-Agent required.</summary>
public sealed class FakeGitHubIssues(string project) : FakeTracker
{
    public static async Task<FakeGitHubIssues> StartAsync(string project, params int[] issues)
    {
        var fake = new FakeGitHubIssues(project);
        foreach (var b in issues) fake.Bugs[b] = true;
        await fake.ListenAsync();
        return fake;
    }

    protected override bool Authorized(HttpRequest request) =>
        request.Headers.Authorization == $"Bearer {Secret}" && request.Headers.UserAgent.Count > 0;

    protected override Task ErrorAsync(HttpContext ctx, int status, string message, int code) =>
        JsonAsync(ctx, status, new JsonObject { ["message"] = status == 401 ? "Bad credentials" : message, ["documentation_url"] = "https://docs.github.com/rest", ["status"] = status.ToString(CultureInfo.InvariantCulture) });

    protected override async Task AnswerAsync(HttpContext ctx, string[] path, JsonNode? body)
    {
        var parts = project.Split('/');
        if (path is not ["repos", var owner, var repo, "issues", var n, ..] || owner != parts[0] || repo != parts[1] || Number(n) is not { } id || !Bugs.ContainsKey(id))
        {
            await ErrorAsync(ctx, 404, "Not Found", 0);
            return;
        }

        switch (ctx.Request.Method, path.Length)
        {
            case ("GET", 5):
                await JsonAsync(ctx, 200, new JsonObject { ["number"] = id, ["state"] = "open" });
                return;
            case ("GET", 6) when path[5] == "comments":
                await JsonAsync(ctx, 200, new JsonArray(CommentsOn(id).Select((t, i) => (JsonNode)new JsonObject { ["id"] = i + 1, ["body"] = t }).ToArray()));
                return;
            case ("POST", 6) when path[5] == "comments":
                if (body?["body"]?.GetValue<string>() is not { Length: > 0 } text)
                {
                    await ErrorAsync(ctx, 422, "Validation Failed", 0);
                    return;
                }

                AddComment(id, text);
                if (await LoseAnswerAsync(ctx)) return;
                await JsonAsync(ctx, 201, new JsonObject { ["id"] = CommentsOn(id).Count, ["body"] = text });
                return;
            default:
                await ErrorAsync(ctx, 404, "Not Found", 0);
                return;
        }
    }
}
