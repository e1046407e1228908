using System.Net;
using System.Text.Json;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>How hard one delivery attempt tries before the outbox takes over (its own, longer backoff).</summary>
public sealed record TrackerRetry
{
    public int Retries { get; init; } = 3;

    /// <summary>First retry delay; doubled each time, with jitter. A server's Retry-After wins.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A Retry-After longer than this is left to the outbox instead of waited out here.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Sends tracker requests through one Polly pipeline: a timeout per try, and retries with exponential backoff and
/// jitter on 5xx, 408, 429 (honouring Retry-After), timeouts and connection failures. Other 4xx are not retried.
/// </summary>
internal sealed class TrackerHttp
{
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly Action<HttpRequestMessage> _authorize;

    public TrackerHttp(HttpClient http, TimeSpan timeout, TrackerRetry retry, TimeProvider time, Action<HttpRequestMessage> authorize)
    {
        _http = http;
        _authorize = authorize;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (retry.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retry.Retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => true,
                    { Result: { } r } => IsTransient(r.StatusCode) && (RetryAfter(r, time) is not { } after || after <= retry.MaxRetryAfter),
                    _ => false,
                }),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r ? RetryAfter(r, time) : null),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        _pipeline = builder.AddTimeout(timeout).Build();
    }

    public static bool IsTransient(HttpStatusCode code) => (int)code >= 500 || code is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

    /// <summary>Sends the request built by <paramref name="build"/> (once per try) and returns the final answer.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(
                async ct =>
                {
                    using var request = build();
                    _authorize(request);
                    return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
                },
                cancellationToken);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new BugTrackerException(BugFailure.Unavailable, "no answer in time", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new BugTrackerException(BugFailure.Unavailable, $"cannot connect: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a JSON answer; a non-2xx answer becomes a <see cref="BugTrackerException"/> of the right kind.</summary>
    public static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, Func<HttpStatusCode, JsonElement?, BugFailure> classify, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonDocument? doc = null;
        try
        {
            doc = body.Length == 0 ? null : JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            // A proxy's HTML error page: the status says enough.
        }

        if (response.IsSuccessStatusCode && doc is not null) return doc;
        var root = doc?.RootElement;
        var message = root is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        var failure = response.IsSuccessStatusCode ? BugFailure.Unavailable : classify(response.StatusCode, root);
        doc?.Dispose();
        throw new BugTrackerException(failure, $"HTTP {(int)response.StatusCode}{(message is null ? "" : ": " + Shorten(message))}");
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage r, TimeProvider time)
    {
        if (r.Headers.RetryAfter is not { } after) return null;
        if (after.Delta is { } delta) return delta;
        return after.Date is { } date ? date - time.GetUtcNow() is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero : null;
    }

    private static string Shorten(string s) => s.Length > 200 ? s[..200] + "…" : s;
}
