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
/// Sends tracker requests through Polly: a timeout per try, and retries with exponential backoff and jitter on 5xx,
/// 408, 429 (honouring Retry-After), timeouts and connection failures. Other 4xx are not retried. A POST is retried
/// here only when the server said it did not act (429, 503): after a timeout or a cut connection the comment may be
/// on the bug, so the outbox's next try checks the marker instead of posting blindly.
/// </summary>
internal sealed class TrackerHttp
{
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ResiliencePipeline<HttpResponseMessage> _postPipeline;
    private readonly Action<HttpRequestMessage> _authorize;

    public TrackerHttp(HttpClient http, TimeSpan timeout, TrackerRetry retry, TimeProvider time, Action<HttpRequestMessage> authorize)
    {
        _http = http;
        _authorize = authorize;
        _pipeline = Build(timeout, retry, time, outcome => outcome switch
        {
            { Exception: HttpRequestException or TimeoutRejectedException } => true,
            { Result: { } r } => IsTransient(r.StatusCode),
            _ => false,
        });
        _postPipeline = Build(timeout, retry, time, outcome => outcome.Result?.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable);
    }

    private static ResiliencePipeline<HttpResponseMessage> Build(TimeSpan timeout, TrackerRetry retry, TimeProvider time, Func<Outcome<HttpResponseMessage>, bool> transient)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (retry.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retry.Retries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retry.BaseDelay,
                ShouldHandle = args => ValueTask.FromResult(transient(args.Outcome)
                    && (args.Outcome.Result is not { } r || RetryAfter(r, time) is not { } after || after <= retry.MaxRetryAfter)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } r ? RetryAfter(r, time) : null),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            });
        }

        return builder.AddTimeout(timeout).Build();
    }

    public static bool IsTransient(HttpStatusCode code) => (int)code >= 500 || code is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;

    /// <summary>Sends the request built by <paramref name="build"/> (once per try) and returns the final answer.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        try
        {
            var pipeline = method == HttpMethod.Post ? _postPipeline : _pipeline;
            return await pipeline.ExecuteAsync(
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
            throw new BugTrackerException(BugFailure.Unavailable, new TrackerProblem(TrackerAnswer.NoAnswer), ex);
        }
        catch (HttpRequestException ex)
        {
            throw new BugTrackerException(BugFailure.Unavailable, new TrackerProblem(TrackerAnswer.CannotConnect, Said: SafeText.Clean(ex.Message, 200)), ex);
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
        throw new BugTrackerException(failure, new TrackerProblem(TrackerAnswer.Http, (int)response.StatusCode, message is null ? null : SafeText.Clean(message, 200)))
        {
            // A date is measured against the server's own clock (its Date header), so no clock of ours is needed.
            RetryAfter = response.Headers.RetryAfter is { } after
                ? after.Delta ?? (after.Date - response.Headers.Date is { } d && d > TimeSpan.Zero ? d : null)
                : null,
        };
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage r, TimeProvider time)
    {
        if (r.Headers.RetryAfter is not { } after) return null;
        if (after.Delta is { } delta) return delta;
        return after.Date is { } date ? date - time.GetUtcNow() is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero : null;
    }
}
