using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using ChatOpsReconfig.Bot.Web;

namespace ChatOpsReconfig.Bot.Cli;

/// <summary>What a GET to the running bot gave: the parsed body, or why there is none (and whether the bot answered at all).</summary>
internal sealed record BotAnswer<T>(T? Value, HttpStatusCode? Status, string? Error)
    where T : class
{
    /// <summary>True when the bot answered with a refusal about the request (400, 404), not about itself.</summary>
    public bool Refused => Status is HttpStatusCode.BadRequest or HttpStatusCode.NotFound;
}

/// <summary>
/// The HTTP client of <c>check-lag</c> and <c>wait-live</c>: GETs JSON from the bot's read-only API with the bearer
/// token from <c>$CHATOPS_WEB_TOKEN</c> or <c>--token-file</c>, if any. Failures are values.
/// </summary>
internal sealed class BotClient : IDisposable
{
    public const string TokenVariable = "CHATOPS_WEB_TOKEN";

    private readonly HttpClient _http;

    public BotClient(Uri baseUrl, string? token, TimeSpan timeout)
    {
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = timeout };
        if (!string.IsNullOrEmpty(token)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri BaseUrl => _http.BaseAddress!;

    /// <summary>The token from the file when given, else from the environment; an error when the file cannot be read.</summary>
    public static (string? Token, string? Error) ReadToken(string? tokenFile)
    {
        if (tokenFile is null) return (Environment.GetEnvironmentVariable(TokenVariable)?.Trim(), null);
        var (token, error) = HookSecret.ReadFile(tokenFile);
        return error is not null ? (null, $"--token-file: {error}") : (token, null);
    }

    /// <summary>Parses <c>--url</c>: an absolute http(s) URL; the API paths are appended to it.</summary>
    public static Uri? ParseUrl(string text) =>
        Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var url) && url.Scheme is "http" or "https" ? url : null;

    public async Task<BotAnswer<T>> GetAsync<T>(string path, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            using var response = await _http.GetAsync(path, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode) return new(null, response.StatusCode, $"HTTP {(int)response.StatusCode}: {Detail(body)}");
            var value = JsonSerializer.Deserialize<T>(body, StatusApi.Json);
            return value is null ? new(null, response.StatusCode, "empty answer") : new(value, response.StatusCode, null);
        }
        catch (HttpRequestException ex)
        {
            return new(null, null, ex.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(null, null, $"no answer within {_http.Timeout.TotalSeconds:0}s");
        }
        catch (JsonException ex)
        {
            return new(null, HttpStatusCode.OK, $"not the bot's JSON: {ex.Message}");
        }
    }

    /// <summary>The <c>detail</c> of a problem answer, else the start of the body, on one line.</summary>
    private static string Detail(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
                return d.GetString() ?? "";
        }
        catch (JsonException)
        {
            // not JSON: show the text
        }

        var line = body.ReplaceLineEndings(" ").Trim();
        return line.Length > 200 ? line[..200] : line;
    }

    public void Dispose() => _http.Dispose();
}
