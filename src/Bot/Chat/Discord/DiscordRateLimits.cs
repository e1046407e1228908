using System.Globalization;
using System.Net.Http.Headers;

namespace ChatOpsReconfig.Bot.Chat.Discord;

/// <summary>
/// Discord's REST limits as the server reports them (<c>X-RateLimit-*</c>): per bucket and top-level resource, plus
/// the global limit. Requests wait for an empty bucket to refill instead of being sent into it; nothing is hard-coded.
/// </summary>
internal sealed class DiscordRateLimits(TimeProvider time)
{
    /// <summary>Longer waits are handed back to the caller (the outbox) as a Retry-After rather than held here.</summary>
    public static readonly TimeSpan MaxInlineWait = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _bucketOfRoute = [];
    private readonly Dictionary<string, Bucket> _buckets = [];
    private DateTimeOffset _globalUntil;

    /// <summary>
    /// Waits until a request on <paramref name="route"/> may go and takes one from its bucket. Throws
    /// <see cref="ChatDeliveryException"/> with the wait when it is longer than <see cref="MaxInlineWait"/>.
    /// </summary>
    public async Task AcquireAsync(DiscordRoute route, CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = time.GetUtcNow();
                wait = route.Interaction ? TimeSpan.Zero : _globalUntil - now;
                var bucket = BucketOf(route);
                if (bucket is not null)
                {
                    if (bucket.ResetAt <= now) bucket.Remaining = Math.Max(bucket.Remaining, 1);
                    else if (bucket.Remaining <= 0 && bucket.ResetAt - now > wait) wait = bucket.ResetAt - now;
                }

                if (wait <= TimeSpan.Zero)
                {
                    if (bucket is not null) bucket.Remaining--;
                    return;
                }
            }

            if (wait > MaxInlineWait) throw new ChatDeliveryException($"Discord rate limit on {route.Name}: wait {wait.TotalSeconds:0.0} s", wait);
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>Learns the bucket's state from a response's headers.</summary>
    public void Update(DiscordRoute route, HttpResponseHeaders headers)
    {
        var bucketId = Header(headers, "X-RateLimit-Bucket");
        var remaining = Number(headers, "X-RateLimit-Remaining");
        var resetAfter = Number(headers, "X-RateLimit-Reset-After");
        lock (_gate)
        {
            if (bucketId is not null) _bucketOfRoute[route.Key] = bucketId;
            var bucket = BucketOf(route, create: true)!;
            if (remaining is { } r) bucket.Remaining = (int)r;
            if (resetAfter is { } s) bucket.ResetAt = time.GetUtcNow() + TimeSpan.FromSeconds(s);
        }
    }

    /// <summary>Records a 429: the bucket (or, when global, every non-interaction route) waits <paramref name="retryAfter"/>.</summary>
    public void Limited(DiscordRoute route, TimeSpan retryAfter, bool global)
    {
        lock (_gate)
        {
            var until = time.GetUtcNow() + retryAfter;
            if (global)
            {
                if (until > _globalUntil) _globalUntil = until;
                return;
            }

            // retry_after is the wait the server asks for; it overrides the window the headers describe.
            var bucket = BucketOf(route, create: true)!;
            bucket.Remaining = 0;
            bucket.ResetAt = until;
        }
    }

    private Bucket? BucketOf(DiscordRoute route, bool create = false)
    {
        // Routes of one bucket share it per top-level resource (channel, guild, webhook), so one channel does not block another.
        var key = (_bucketOfRoute.TryGetValue(route.Key, out var id) ? id : route.Key) + "|" + route.Major;
        if (_buckets.TryGetValue(key, out var bucket) || !create) return bucket;
        return _buckets[key] = new Bucket();
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static double? Number(HttpResponseHeaders headers, string name) =>
        double.TryParse(Header(headers, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    private sealed class Bucket
    {
        public int Remaining { get; set; } = 1;

        public DateTimeOffset ResetAt { get; set; }
    }
}

/// <summary>
/// A REST route for rate limiting and for messages: <paramref name="Name"/> is the template
/// (<c>POST /channels/{channel}/messages</c>), never the real path, which may hold an interaction token.
/// </summary>
internal sealed record DiscordRoute(string Name, string Major, bool Interaction = false)
{
    public string Key => Name;
}
