using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Chat.Discord;

/// <summary>
/// The few REST calls the bot makes, with Discord's headers, rate limits and error rules: 429 waits for
/// <c>retry_after</c>; 401 stops every further call (the token is wrong; retrying would head for a Cloudflare ban);
/// nothing is retried here: failures surface as <see cref="ChatDeliveryException"/> and the outbox retries in order.
/// Errors name the route template, never the path (interaction tokens) or the bot token.
/// </summary>
internal sealed partial class DiscordRest
{
    public const int MaxContentLength = 2000;

    /// <summary>After a 403 the message is tried again this much later (the fix is a permission in Discord, not a retry).</summary>
    public static readonly TimeSpan ForbiddenRetry = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly DiscordRateLimits _limits;
    private readonly ILogger _logger;
    private int _unauthorized;

    public DiscordRest(HttpClient http, DiscordToken token, DiscordRateLimits limits, ILogger logger)
    {
        _http = http;
        _limits = limits;
        _logger = logger;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bot", token.Value);
        // Discord's required form: DiscordBot ($url, $versionNumber).
        _http.DefaultRequestHeaders.UserAgent.ParseAdd($"DiscordBot (https://github.com/chatopsreconfig/chatops, {Version})");
    }

    private static string Version =>
        typeof(DiscordRest).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

    /// <summary>Set once Discord answered 401: the bot makes no more REST calls until restarted with a good token.</summary>
    public bool Unauthorized => Volatile.Read(ref _unauthorized) == 1;

    /// <summary>The gateway URL and how many Identifies the bot has left (<c>session_start_limit</c>).</summary>
    public async Task<GatewayInfo> GetGatewayAsync(CancellationToken ct)
    {
        using var doc = await SendAsync(HttpMethod.Get, "gateway/bot", new("GET /gateway/bot", ""), null, ct);
        var root = doc!.RootElement;
        var url = root.TryGetProperty("url", out var u) ? u.GetString() : null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss"))
            throw new ChatDeliveryException("Discord GET /gateway/bot: no usable url in the answer");
        int? remaining = null;
        var resetAfter = TimeSpan.Zero;
        if (root.TryGetProperty("session_start_limit", out var limit) && limit.ValueKind == JsonValueKind.Object)
        {
            if (limit.TryGetProperty("remaining", out var r) && r.TryGetInt32(out var n)) remaining = n;
            if (limit.TryGetProperty("reset_after", out var a) && a.TryGetInt64(out var ms)) resetAfter = TimeSpan.FromMilliseconds(ms);
        }

        return new GatewayInfo(uri, remaining, resetAfter);
    }

    /// <summary>Posts in a channel; returns the message id.</summary>
    public async Task<string> CreateMessageAsync(string channelId, string content, CancellationToken ct)
    {
        using var doc = await SendAsync(HttpMethod.Post, $"channels/{channelId}/messages", new("POST /channels/{channel}/messages", channelId), Message(content), ct);
        return doc!.RootElement.GetProperty("id").GetString()!;
    }

    public async Task EditMessageAsync(string channelId, string messageId, string content, CancellationToken ct)
    {
        using var _ = await SendAsync(HttpMethod.Patch, $"channels/{channelId}/messages/{messageId}", new("PATCH /channels/{channel}/messages/{message}", channelId), Message(content), ct);
    }

    /// <summary>Acknowledges an interaction with "thinking…" (type 5); the answer follows as an edit of <c>@original</c>.</summary>
    public async Task DeferInteractionAsync(string interactionId, string interactionToken, CancellationToken ct)
    {
        var body = new JsonObject { ["type"] = 5 };
        using var _ = await SendAsync(HttpMethod.Post, $"interactions/{interactionId}/{interactionToken}/callback",
            new("POST /interactions/{interaction}/{token}/callback", interactionId, Interaction: true), body, ct);
    }

    /// <summary>Fills the deferred answer; returns the message's id and channel.</summary>
    public async Task<(string Id, string ChannelId)> EditOriginalAsync(string applicationId, string interactionToken, string content, CancellationToken ct)
    {
        using var doc = await SendAsync(HttpMethod.Patch, $"webhooks/{applicationId}/{interactionToken}/messages/@original",
            new("PATCH /webhooks/{application}/{token}/messages/@original", interactionToken, Interaction: true), Message(content), ct);
        return (doc!.RootElement.GetProperty("id").GetString()!, doc.RootElement.GetProperty("channel_id").GetString()!);
    }

    /// <summary>A further answer to an interaction (the second and later parts of a long reply).</summary>
    public async Task<(string Id, string ChannelId)> FollowUpAsync(string applicationId, string interactionToken, string content, CancellationToken ct)
    {
        using var doc = await SendAsync(HttpMethod.Post, $"webhooks/{applicationId}/{interactionToken}",
            new("POST /webhooks/{application}/{token}", interactionToken, Interaction: true), Message(content), ct);
        return (doc!.RootElement.GetProperty("id").GetString()!, doc.RootElement.GetProperty("channel_id").GetString()!);
    }

    public async Task<JsonDocument> GetGuildCommandsAsync(string applicationId, string guildId, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Get, $"applications/{applicationId}/guilds/{guildId}/commands", new("GET /applications/{application}/guilds/{guild}/commands", guildId), null, ct))!;

    public async Task PutGuildCommandsAsync(string applicationId, string guildId, JsonArray commands, CancellationToken ct)
    {
        using var _ = await SendAsync(HttpMethod.Put, $"applications/{applicationId}/guilds/{guildId}/commands",
            new("PUT /applications/{application}/guilds/{guild}/commands", guildId), commands, ct);
    }

    /// <summary>
    /// A message body that pings nobody but the users the bot itself addressed (<c>&lt;@id&gt;</c>, see
    /// <see cref="ChatCapabilities.Address"/>): text from people, commits and hosts has its mentions broken by the
    /// sanitizer before it gets here, so a whole <c>&lt;@digits&gt;</c> left in the text is the bot's own.
    /// </summary>
    internal static JsonObject Message(string content)
    {
        if (content.Length > MaxContentLength)
            throw new ArgumentException($"message of {content.Length} characters; Discord takes at most {MaxContentLength}", nameof(content));
        var users = new JsonArray();
        foreach (var id in UserMention().Matches(content).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).Take(100)) users.Add(id);
        return new JsonObject { ["content"] = content, ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray(), ["users"] = users } };
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"<@(\d{1,20})>", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex UserMention();

    private async Task<JsonDocument?> SendAsync(HttpMethod method, string path, DiscordRoute route, JsonNode? body, CancellationToken ct)
    {
        if (Unauthorized) throw new ChatDeliveryException($"Discord {route.Name}: not sent, Discord refused the bot token (401) earlier; fix the token and restart", ForbiddenRetry);
        await _limits.AcquireAsync(route, ct);

        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new ChatDeliveryException($"Discord {route.Name}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ChatDeliveryException($"Discord {route.Name}: timed out");
        }

        using (response)
        {
            _limits.Update(route, response.Headers);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
                return text.Length == 0 ? null : JsonDocument.Parse(text);

            var (message, code, retryAfter, global) = ParseError(text);
            switch (response.StatusCode)
            {
                case HttpStatusCode.TooManyRequests:
                {
                    var wait = TimeSpan.FromSeconds(retryAfter ?? RetryAfterHeader(response) ?? 1);
                    global |= response.Headers.TryGetValues("X-RateLimit-Global", out var g) && g.Contains("true", StringComparer.OrdinalIgnoreCase);
                    _limits.Limited(route, wait, global);
                    Log.RateLimited(_logger, route.Name, global ? "global" : "bucket", wait.TotalSeconds);
                    throw new ChatDeliveryException($"Discord {route.Name}: rate limited ({(global ? "global" : "bucket")}), retry after {wait.TotalSeconds:0.###} s", wait);
                }

                case HttpStatusCode.Unauthorized:
                    if (Interlocked.Exchange(ref _unauthorized, 1) == 0) Log.Unauthorized(_logger, route.Name);
                    throw new ChatDeliveryException($"Discord {route.Name}: 401 Unauthorized (bot token refused)", ForbiddenRetry);

                case HttpStatusCode.Forbidden:
                    Log.Forbidden(_logger, route.Name, code, message);
                    throw new ChatDeliveryException($"Discord {route.Name}: 403 {message} ({code}); give the bot View Channel and Send Messages in the channel", ForbiddenRetry);

                default:
                    throw new ChatDeliveryException($"Discord {route.Name}: {(int)response.StatusCode} {message} ({code})");
            }
        }
    }

    private static double? RetryAfterHeader(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Retry-After", out var values)
        && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : null;

    private static (string Message, int Code, double? RetryAfter, bool Global) ParseError(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return ("", 0, null, false);
            var message = root.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
            var code = root.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : 0;
            double? retry = root.TryGetProperty("retry_after", out var r) && r.TryGetDouble(out var d) ? d : null;
            var global = root.TryGetProperty("global", out var g) && g.ValueKind == JsonValueKind.True;
            return (message.Length > 200 ? message[..200] : message, code, retry, global);
        }
        catch (JsonException)
        {
            return ("", 0, null, false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(101, LogLevel.Critical, "Discord refused the bot token (401 on {Route}): the token is wrong or was reset. The bot makes no more Discord REST calls; messages stay in the outbox. Put the current token from the Developer Portal (Bot → Reset Token) in the token file or variable and restart")]
        public static partial void Unauthorized(ILogger logger, string route);

        [LoggerMessage(102, LogLevel.Error, "Discord denied {Route} (403 {Code} {Message}): give the bot View Channel, Send Messages and Read Message History in the channel")]
        public static partial void Forbidden(ILogger logger, string route, int code, string message);

        [LoggerMessage(103, LogLevel.Information, "Discord rate limit ({Scope}) on {Route}: waiting {Seconds} s")]
        public static partial void RateLimited(ILogger logger, string route, string scope, double seconds);
    }
}

/// <summary>What <c>GET /gateway/bot</c> says: where to connect, and the session start budget.</summary>
internal sealed record GatewayInfo(Uri Url, int? SessionStartsRemaining, TimeSpan SessionStartsResetAfter);
