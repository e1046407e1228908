using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>
/// GitHub issues of one repository (<c>/repos/{owner}/{repo}/issues/{n}</c> and its <c>/comments</c>), with the token
/// as a bearer. Errors come as <c>{"message": "…", "documentation_url": "…"}</c>.
/// </summary>
internal sealed class GitHubTracker : IBugTracker
{
    private readonly string _root;
    private readonly string _project;
    private readonly TrackerHttp _http;

    public GitHubTracker(string name, BugTrackerOptions options, HttpClient http, string? token, TimeProvider time, TrackerRetry retry)
    {
        Name = name;
        _root = options.Url.TrimEnd('/');
        _project = options.Project ?? "";
        _http = new TrackerHttp(http, TimeSpan.FromSeconds(options.TimeoutSeconds), retry, time, request =>
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.github+json"));
            request.Headers.TryAddWithoutValidation("X-GitHub-Api-Version", "2022-11-28");
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("chatops", "1"));
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        });
    }

    public string Name { get; }

    public string BugUrl(int bug) => $"https://github.com/{_project}/issues/{bug.ToString(CultureInfo.InvariantCulture)}";

    public async Task EnsureExistsAsync(int bug, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(HttpMethod.Get, () => new HttpRequestMessage(HttpMethod.Get, $"{_root}/repos/{_project}/issues/{bug}"), cancellationToken);
        using var doc = await TrackerHttp.ReadAsync(response, Classify, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> CommentsSinceAsync(int bug, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var s = Uri.EscapeDataString(since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        using var response = await _http.SendAsync(
            HttpMethod.Get,
            () => new HttpRequestMessage(HttpMethod.Get, $"{_root}/repos/{_project}/issues/{bug}/comments?since={s}&per_page=100"), cancellationToken);
        using var doc = await TrackerHttp.ReadAsync(response, Classify, cancellationToken);
        if (doc.RootElement.ValueKind != JsonValueKind.Array) return [];
        return doc.RootElement.EnumerateArray()
            .Select(c => c.TryGetProperty("body", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString()! : "")
            .ToList();
    }

    public async Task PostCommentAsync(int bug, string text, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["body"] = text }.ToJsonString();
        using var response = await _http.SendAsync(
            HttpMethod.Post,
            () => new HttpRequestMessage(HttpMethod.Post, $"{_root}/repos/{_project}/issues/{bug}/comments") { Content = new StringContent(body, Encoding.UTF8, "application/json") },
            cancellationToken);
        using var doc = await TrackerHttp.ReadAsync(response, Classify, cancellationToken);
    }

    private static BugFailure Classify(HttpStatusCode status, JsonElement? body) => status switch
    {
        _ when TrackerHttp.IsTransient(status) => BugFailure.Unavailable,
        HttpStatusCode.NotFound or HttpStatusCode.Gone => BugFailure.Missing,
        // Bad credentials, or a secondary rate limit (403 with a message saying so): retry later.
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => BugFailure.Unavailable,
        _ => BugFailure.Rejected,
    };
}
