using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Policy;

public enum CiState
{
    Success,

    /// <summary>Wait: CI has not finished with this revision.</summary>
    Pending,

    /// <summary>Wait for a new head: CI failed (or a check reported an error) for this revision.</summary>
    Failure,

    /// <summary>Wait: the gate could not be asked or gave no usable answer.</summary>
    Unknown,
}

/// <summary>How the gate's answer was read: <see cref="Read"/>, or what went wrong (each gives <see cref="CiState.Unknown"/>).</summary>
public enum CiAnswer
{
    /// <summary>A usable answer; <see cref="CiStatus.Checks"/> names the checks pending or failed.</summary>
    Read,

    /// <summary>A non-2xx answer: <see cref="CiStatus.HttpStatus"/>, and its name in <see cref="CiStatus.Detail"/>.</summary>
    HttpError,

    /// <summary>No answer within <see cref="CiStatus.After"/>.</summary>
    Timeout,

    /// <summary>No connection; the error in <see cref="CiStatus.Detail"/>.</summary>
    Unreachable,

    /// <summary>HTML; the content type (or nothing) in <see cref="CiStatus.Detail"/>.</summary>
    Html,

    /// <summary>Not JSON; the start of the body in <see cref="CiStatus.Detail"/>.</summary>
    NotJson,

    /// <summary>JSON without a <c>state</c> string.</summary>
    NoState,

    /// <summary>A state this gate does not know, in <see cref="CiStatus.Detail"/>.</summary>
    UnknownState,
}

/// <summary>
/// The CI state of one revision and, unless it is a plain success, why, as data: how the answer was read, the checks
/// pending or failed, and a detail (made safe to show). The Bot words it.
/// </summary>
public sealed record CiStatus(CiState State, CiAnswer Answer = CiAnswer.Read, string Detail = "")
{
    /// <summary>The checks (GitHub contexts) pending, or failed, for this revision.</summary>
    public IReadOnlyList<string> Checks { get; init; } = [];

    public int? HttpStatus { get; init; }

    public TimeSpan? After { get; init; }
}

/// <summary>
/// Asks a repo's CI gate about one revision: GETs the <c>repos.NAME.ciUrl</c> template with <c>{rev}</c> replaced,
/// and reads either GitHub's combined status (<c>{"state":"success|pending|failure|error","statuses":[…]}</c>) or a
/// plain <c>{"state":"…"}</c>. GitHub's <c>error</c> counts as a failure. Timeouts, connection errors, non-2xx
/// answers, HTML and anything else that is not such JSON give <see cref="CiState.Unknown"/> with the reason.
/// The HTTP client is made at the first check, not with the gate: most fleets have no CI gate, and an idle bot then
/// never loads the HTTP stack.
/// </summary>
internal sealed class CiGate(Func<HttpClient> http, TimeProvider time, IOptions<PolicyOptions> options, ILogger<CiGate> logger)
{
    /// <summary>
    /// The one HTTP client of the process's CI checks, made at the first call. Connections are recycled every few
    /// minutes so a CI host that moves (DNS) is followed; the deadline per check comes from the cancellation token.
    /// </summary>
    public static HttpClient SharedClient() => SharedHttp.Client;

    public async Task<CiStatus> CheckAsync(string urlTemplate, string revision, CancellationToken cancellationToken)
    {
        var url = urlTemplate.Replace("{rev}", Uri.EscapeDataString(revision), StringComparison.Ordinal);
        var timeout = TimeSpan.FromSeconds(options.Value.CiTimeoutSeconds);
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        CiStatus status;
        try
        {
            using var response = await http().GetAsync(url, linked.Token);
            var body = await response.Content.ReadAsStringAsync(linked.Token);
            status = response.IsSuccessStatusCode
                ? Parse(body, response.Content.Headers.ContentType?.MediaType)
                : new CiStatus(CiState.Unknown, CiAnswer.HttpError, Describe(response.StatusCode)) { HttpStatus = (int)response.StatusCode };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The deadline fired, or HttpClient.Timeout did if it is the shorter one.
            status = new CiStatus(CiState.Unknown, CiAnswer.Timeout) { After = timeout };
        }
        catch (HttpRequestException ex)
        {
            status = new CiStatus(CiState.Unknown, CiAnswer.Unreachable, SafeText.Clean(ex.Message, 200));
        }

        if (status.State == CiState.Unknown) PolicyLog.CiUnknown(logger, Host(url), revision, status.Answer, status.Detail);
        return status;
    }

    /// <summary>Reads a CI answer body; <paramref name="mediaType"/> is the Content-Type, if any.</summary>
    internal static CiStatus Parse(string body, string? mediaType)
    {
        var text = body.TrimStart();
        if (text.StartsWith('<') || mediaType is "text/html")
            return new CiStatus(CiState.Unknown, CiAnswer.Html, mediaType ?? "");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return new CiStatus(CiState.Unknown, CiAnswer.NotJson, SafeText.Clean(text, 40));
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("state", out var stateElement) || stateElement.ValueKind != JsonValueKind.String)
                return new CiStatus(CiState.Unknown, CiAnswer.NoState);

            var state = stateElement.GetString()!; // ValueKind is String
            var statuses = Statuses(root);
            return state.ToLowerInvariant() switch
            {
                "success" => new CiStatus(CiState.Success),
                "pending" => new CiStatus(CiState.Pending) { Checks = Named(statuses, "pending") },
                // A plain "error" with no check named keeps the word, so people see it was not a test failure.
                "failure" or "error" => new CiStatus(CiState.Failure, CiAnswer.Read, state == "failure" ? "" : "error") { Checks = Named(statuses, "failure", "error") },
                _ => new CiStatus(CiState.Unknown, CiAnswer.UnknownState, SafeText.Clean(state, 40)),
            };
        }
    }

    /// <summary>The <c>(context, state)</c> pairs of a GitHub combined status; empty for the plain shape.</summary>
    private static List<(string Context, string State)> Statuses(JsonElement root)
    {
        if (!root.TryGetProperty("statuses", out var array) || array.ValueKind != JsonValueKind.Array) return [];
        return array.EnumerateArray()
            .Where(s => s.ValueKind == JsonValueKind.Object)
            .Select(s => (Context: Text(s, "context"), State: Text(s, "state")))
            .ToList();
    }

    private static List<string> Named(List<(string Context, string State)> statuses, params string[] states) =>
        statuses.Where(s => states.Contains(s.State)).Select(s => SafeText.Clean(s.Context, 80)).ToList();

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "?"; // String kind has a value

    private static string Describe(HttpStatusCode code) => Enum.IsDefined(code) ? code.ToString() : "";

    private static string Host(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Authority : "?";
}

/// <summary>Holds <see cref="CiGate.SharedClient"/>; a class of its own so that it is only built when first used.</summary>
internal static class SharedHttp
{
    public static readonly HttpClient Client = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
