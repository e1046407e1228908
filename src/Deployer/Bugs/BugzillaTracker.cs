using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>
/// Bugzilla's REST API (<c>/rest/bug/{id}</c>, <c>/rest/bug/{id}/comment</c>) with the key in the
/// <c>X-BUGZILLA-API-KEY</c> header. Errors come as <c>{"error": true, "code": N, "message": "…"}</c>.
/// </summary>
internal sealed class BugzillaTracker : IBugTracker
{
    /// <summary>Bugzilla's error codes for "bug does not exist" / "invalid bug id" / "not authorized to access the bug".</summary>
    private static readonly int[] MissingCodes = [100, 101, 102];

    private readonly string _root;
    private readonly TrackerHttp _http;

    public BugzillaTracker(string name, BugTrackerOptions options, HttpClient http, string? apiKey, TimeProvider time, TrackerRetry retry)
    {
        Name = name;
        _root = options.Url.TrimEnd('/');
        _http = new TrackerHttp(http, TimeSpan.FromSeconds(options.TimeoutSeconds), retry, time, request =>
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (apiKey is not null) request.Headers.TryAddWithoutValidation("X-BUGZILLA-API-KEY", apiKey);
        });
    }

    public string Name { get; }

    public string BugUrl(int bug) => $"{_root}/show_bug.cgi?id={bug.ToString(CultureInfo.InvariantCulture)}";

    public async Task EnsureExistsAsync(int bug, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(HttpMethod.Get, () => new HttpRequestMessage(HttpMethod.Get, $"{_root}/rest/bug/{bug}?include_fields=id"), cancellationToken);
        using var doc = await TrackerHttp.ReadAsync(response, Classify, cancellationToken);
        var found = doc.RootElement.TryGetProperty("bugs", out var bugs) && bugs.ValueKind == JsonValueKind.Array
            && bugs.EnumerateArray().Any(b => b.TryGetProperty("id", out var id) && id.TryGetInt32(out var n) && n == bug);
        if (!found) throw new BugTrackerException(BugFailure.Missing, new TrackerProblem(TrackerAnswer.BugNotListed));
    }

    public async Task<IReadOnlyList<string>> CommentsSinceAsync(int bug, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var newSince = Uri.EscapeDataString(since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        using var response = await _http.SendAsync(HttpMethod.Get, () => new HttpRequestMessage(HttpMethod.Get, $"{_root}/rest/bug/{bug}/comment?new_since={newSince}"), cancellationToken);
        using var doc = await TrackerHttp.ReadAsync(response, Classify, cancellationToken);
        // {"bugs": {"123": {"comments": [{"text": …}, …]}}, "comments": {}}
        if (!doc.RootElement.TryGetProperty("bugs", out var bugs) || bugs.ValueKind != JsonValueKind.Object
            || !bugs.TryGetProperty(bug.ToString(CultureInfo.InvariantCulture), out var entry) || !entry.TryGetProperty("comments", out var comments)
            || comments.ValueKind != JsonValueKind.Array)
            return [];
        return comments.EnumerateArray()
            .Select(c => c.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "")
            .ToList();
    }

    public async Task PostCommentAsync(int bug, string text, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["comment"] = text }.ToJsonString();
        using var response = await _http.SendAsync(
            HttpMethod.Post,
            () => new HttpRequestMessage(HttpMethod.Post, $"{_root}/rest/bug/{bug}/comment") { Content = new StringContent(body, Encoding.UTF8, "application/json") },
            cancellationToken);
        using var doc = await TrackerHttp.ReadAsync(response, Classify, cancellationToken);
    }

    private static BugFailure Classify(HttpStatusCode status, JsonElement? body)
    {
        if (TrackerHttp.IsTransient(status)) return BugFailure.Unavailable;
        var code = body is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : 0;
        if (status == HttpStatusCode.NotFound || MissingCodes.Contains(code)) return BugFailure.Missing;
        // A missing or wrong key (401, or Bugzilla's 306 "invalid API key") is the bot's problem, not the bug's: keep it and retry.
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || code is 306 or 410) return BugFailure.Unavailable;
        return BugFailure.Rejected;
    }
}
