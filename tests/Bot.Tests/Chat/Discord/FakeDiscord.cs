using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Tests.Chat.Discord;

/// <summary>
/// Discord on loopback Kestrel, speaking the real wire (gateway v10 JSON frames over a WebSocket, REST v10 with
/// X-RateLimit headers), built from the checklist in section 10 of discord-protocol.md. Tests script the gateway
/// (<see cref="NextConnectionAsync"/>, then Hello, Identify, READY…) and read what the REST side received.
/// The fake enforces the rules a real Discord enforces: token, User-Agent, JSON, 2,000 characters, empty buckets,
/// early retries after a 429, second interaction callbacks, and on the gateway the close codes for bad frames.
/// </summary>
public sealed partial class FakeDiscord : IAsyncDisposable
{
    public const string GuildId = "613425648685547541";
    public const string ChannelId = "613425648685547542";
    public const string BotUserId = "613425648685547500";
    public const string ApplicationId = "613425648685547501";
    public const string OtherChannelId = "613425648685547549";

    private const string PathPrefix = "/api/v10/";

    private readonly WebApplication _app;
    private readonly Channel<FakeGatewayConnection> _connections = Channel.CreateUnbounded<FakeGatewayConnection>();
    private readonly Lock _gate = new();
    private readonly List<RestCall> _calls = [];
    private readonly Dictionary<string, string> _messages = [];
    private readonly List<(string Id, string Content)> _posted = [];
    private readonly Dictionary<string, FakeInteraction> _interactions = [];
    private readonly Dictionary<string, (int Used, DateTimeOffset WindowStart)> _buckets = [];
    private readonly Dictionary<string, DateTimeOffset> _blockedUntil = [];
    private readonly Queue<(Func<string, bool> Match, Func<HttpContext, Task> Answer)> _scripted = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _nextId = 700000000000000000;
    private int _requests;
    private string _token;

    private FakeDiscord(WebApplication app, string token)
    {
        _app = app;
        _token = token;
    }

    /// <summary>REST base for <c>chat.discord.apiBase</c>.</summary>
    public string ApiBase => _app.Urls.Single() + "/api/v10";

    public string GatewayUrl => _app.Urls.Single().Replace("http://", "ws://", StringComparison.Ordinal) + "/gateway";

    /// <summary>A different URL, as Discord's READY gives, so tests prove the client resumes there.</summary>
    public string ResumeGatewayUrl => _app.Urls.Single().Replace("http://", "ws://", StringComparison.Ordinal) + "/resume-gateway";

    public int HeartbeatIntervalMs { get; set; } = 45_000;

    /// <summary>Whether the privileged MESSAGE_CONTENT intent is switched on for the application (else Identify asking for it gets 4014).</summary>
    public bool MessageContentEnabled { get; set; } = true;

    /// <summary>Requests a bucket allows per <see cref="BucketWindow"/> (Discord's figures vary; these are told in the headers).</summary>
    public int BucketLimit { get; set; } = 50;

    public TimeSpan BucketWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>When set, every n-th REST request is answered 429 with <see cref="StormRetryAfter"/> (the bench's storm).</summary>
    public int? RateLimitEvery { get; set; }

    public double StormRetryAfter { get; set; } = 0.5;

    /// <summary>Identifies seen (session starts spent).</summary>
    public int Identifies;

    /// <summary>Requests answered before the wait a 429 asked for had passed, or sent into an empty bucket.</summary>
    public int EarlyRequests;

    /// <summary>Answers with status 401, 403 or 429: Discord bans an IP after 10,000 in 10 minutes.</summary>
    public int InvalidRequests;

    public ConcurrentDictionary<string, FakeSession> Sessions { get; } = new();

    /// <summary>The connection a test scripts; dispatches from REST (the bot's own messages) go there too.</summary>
    public FakeGatewayConnection? Current { get; private set; }

    public ILoggerFactory? Loggers { get; init; }

    public static async Task<FakeDiscord> StartAsync(string token)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeDiscord(app, token);
        app.UseWebSockets();
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        return fake;
    }

    public string Token => _token;

    /// <summary>The token was reset on the portal: every request with the old one gets 401, Identify gets 4004.</summary>
    public void ResetToken() => _token = "reset-" + Guid.NewGuid().ToString("N");

    public IReadOnlyList<RestCall> Calls
    {
        get { lock (_gate) return _calls.ToList(); }
    }

    /// <summary>Contents of the messages posted in the channel, in order (after edits).</summary>
    public IReadOnlyList<string> Posted
    {
        get { lock (_gate) return _posted.Select(p => _messages[p.Id]).ToList(); }
    }

    public FakeInteraction Interaction(string id)
    {
        lock (_gate) return _interactions[id];
    }

    /// <summary>The next REST request whose route template matches answers 429 (bucket or global).</summary>
    public void Next429(string routeContains, double retryAfter, bool global)
    {
        lock (_gate) _scripted.Enqueue((r => r.Contains(routeContains, StringComparison.Ordinal), ctx => TooManyAsync(ctx, routeContains, retryAfter, global)));
    }

    /// <summary>The next matching REST request gets this status and Discord error body.</summary>
    public void NextError(string routeContains, int status, int code, string message)
    {
        lock (_gate) _scripted.Enqueue((r => r.Contains(routeContains, StringComparison.Ordinal), ctx => ErrorAsync(ctx, status, code, message)));
    }

    public async Task<FakeGatewayConnection> NextConnectionAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(20));
        var connection = await _connections.Reader.ReadAsync(timeout.Token);
        Current = connection;
        return connection;
    }

    /// <summary>Waits until <paramref name="count"/> messages were posted; fails after 20 s.</summary>
    public async Task<IReadOnlyList<string>> WaitForPostedAsync(int count)
    {
        await Until(() => Posted.Count >= count, $"{count} posted messages (have {Posted.Count}: {string.Join(" | ", Posted)})");
        return Posted;
    }

    /// <summary>Waits for a condition the fake's state reaches; fails after 20 s (a bound, not a timing).</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited 20 s for {what}");
            await Task.Delay(10);
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "";
        if (path is "/gateway" or "/resume-gateway")
        {
            await AcceptGatewayAsync(ctx, path);
            return;
        }

        if (!path.StartsWith(PathPrefix, StringComparison.Ordinal))
        {
            ctx.Response.StatusCode = 404;
            return;
        }

        await HandleRestAsync(ctx, path[PathPrefix.Length..]);
    }

    private async Task AcceptGatewayAsync(HttpContext ctx, string path)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            ctx.Response.StatusCode = 400;
            return;
        }

        var socket = await ctx.WebSockets.AcceptWebSocketAsync();
        var connection = new FakeGatewayConnection(this, socket, path, ctx.Request.QueryString.Value ?? "", ctx.Abort);
        if (ctx.Request.Query["v"] != "10" || ctx.Request.Query["encoding"] != "json")
        {
            await connection.CloseAsync(4012);
            return;
        }

        _connections.Writer.TryWrite(connection);
        await connection.RunAsync(ctx.RequestAborted);
    }

    internal bool IdentifyAllowed(JsonElement d, out int closeCode)
    {
        closeCode = 0;
        Interlocked.Increment(ref Identifies);
        if (!d.TryGetProperty("token", out var token) || token.GetString() != _token) closeCode = 4004;
        else if (!d.TryGetProperty("intents", out var intents) || !intents.TryGetInt64(out var bits) || (bits & ~AllIntents) != 0) closeCode = 4013;
        else if ((bits & MessageContent) != 0 && !MessageContentEnabled) closeCode = 4014;
        return closeCode == 0;
    }

    internal bool TokenMatches(string? token) => token == _token;

    private const long MessageContent = 1 << 15;

    /// <summary>Intent bits Discord defines (0–25 minus the gaps is close enough for a fake: 1&lt;&lt;26 and above are undefined).</summary>
    private const long AllIntents = (1L << 26) - 1;

    private async Task HandleRestAsync(HttpContext ctx, string path)
    {
        var method = ctx.Request.Method;
        var body = await new StreamReader(ctx.Request.Body).ReadToEndAsync();
        var route = RouteOf(method, path, out var major);
        var call = new RestCall(method, path, route, body.Length == 0 ? null : TryParse(body), _clock.Elapsed,
            ctx.Request.Headers.UserAgent.ToString(), ctx.Request.Headers.Authorization.ToString(), ctx.Request.ContentType);
        lock (_gate) _calls.Add(call);
        var n = Interlocked.Increment(ref _requests);

        if (ctx.Request.Headers.Authorization.ToString() != "Bot " + _token)
        {
            await ErrorAsync(ctx, 401, 0, "401: Unauthorized");
            return;
        }

        if (!ctx.Request.Headers.UserAgent.ToString().StartsWith("DiscordBot (", StringComparison.Ordinal))
        {
            await ErrorAsync(ctx, 400, 0, "User-Agent must be DiscordBot ($url, $versionNumber)");
            return;
        }

        if (body.Length > 0 && (ctx.Request.ContentType is null || !ctx.Request.ContentType.StartsWith("application/json", StringComparison.Ordinal) || call.Body is null))
        {
            await ErrorAsync(ctx, 400, 50035, "Invalid Form Body");
            return;
        }

        var interaction = route.StartsWith("POST /interactions", StringComparison.Ordinal) || route.Contains("/webhooks/", StringComparison.Ordinal);
        var bucketKey = route + "|" + major;
        lock (_gate)
        {
            var now = _clock.Elapsed;
            if ((_blockedUntil.TryGetValue(bucketKey, out var until) && Now() < until)
                || (!interaction && _blockedUntil.TryGetValue("global", out var g) && Now() < g))
            {
                EarlyRequests++;
            }
        }

        Func<HttpContext, Task>? scripted = null;
        lock (_gate)
        {
            if (_scripted.Count > 0 && _scripted.Peek().Match(route)) scripted = _scripted.Dequeue().Answer;
        }

        if (scripted is null && RateLimitEvery is { } every && n % every == 0)
            scripted = ctx2 => TooManyAsync(ctx2, bucketKey, StormRetryAfter, false);
        AddRateLimitHeaders(ctx, bucketKey, out var empty);
        if (scripted is not null)
        {
            await scripted(ctx);
            return;
        }

        if (empty)
        {
            lock (_gate) EarlyRequests++;
            await TooManyAsync(ctx, bucketKey, BucketWindow.TotalSeconds, false);
            return;
        }

        await AnswerAsync(ctx, method, path, call.Body);
    }

    private DateTimeOffset Now() => DateTimeOffset.UnixEpoch + _clock.Elapsed;

    private void AddRateLimitHeaders(HttpContext ctx, string bucketKey, out bool empty)
    {
        lock (_gate)
        {
            var now = Now();
            var (used, start) = _buckets.TryGetValue(bucketKey, out var b) && now - b.WindowStart < BucketWindow ? b : (0, now);
            empty = used >= BucketLimit;
            if (!empty) used++;
            _buckets[bucketKey] = (used, start);
            var resetAfter = (start + BucketWindow - now).TotalSeconds;
            var h = ctx.Response.Headers;
            h["X-RateLimit-Limit"] = BucketLimit.ToString(CultureInfo.InvariantCulture);
            h["X-RateLimit-Remaining"] = Math.Max(0, BucketLimit - used).ToString(CultureInfo.InvariantCulture);
            h["X-RateLimit-Reset-After"] = resetAfter.ToString("0.000", CultureInfo.InvariantCulture);
            h["X-RateLimit-Reset"] = (start + BucketWindow).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            h["X-RateLimit-Bucket"] = Convert.ToHexString(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(bucketKey.Split('|')[0])))[..16].ToLowerInvariant();
        }
    }

    private async Task TooManyAsync(HttpContext ctx, string key, double retryAfter, bool global)
    {
        lock (_gate)
        {
            InvalidRequests++;
            var until = Now() + TimeSpan.FromSeconds(retryAfter);
            _blockedUntil[global ? "global" : ScriptedKey(ctx, key)] = until;
        }

        ctx.Response.StatusCode = 429;
        if (!global)
        {
            ctx.Response.Headers["X-RateLimit-Remaining"] = "0";
            ctx.Response.Headers["X-RateLimit-Reset-After"] = retryAfter.ToString("0.000", CultureInfo.InvariantCulture);
        }

        ctx.Response.Headers["Retry-After"] = Math.Ceiling(retryAfter).ToString(CultureInfo.InvariantCulture);
        ctx.Response.Headers["X-RateLimit-Scope"] = global ? "global" : "user";
        if (global) ctx.Response.Headers["X-RateLimit-Global"] = "true";
        await WriteJsonAsync(ctx, new JsonObject { ["message"] = "You are being rate limited.", ["retry_after"] = retryAfter, ["global"] = global });
    }

    /// <summary>A scripted 429 names part of a route; block the actual bucket the request was on.</summary>
    private string ScriptedKey(HttpContext ctx, string key)
    {
        var route = RouteOf(ctx.Request.Method, (ctx.Request.Path.Value ?? "")[PathPrefix.Length..], out var major);
        return route + "|" + major;
    }

    private async Task ErrorAsync(HttpContext ctx, int status, int code, string message)
    {
        if (status is 401 or 403 or 429) Interlocked.Increment(ref InvalidRequests);
        ctx.Response.StatusCode = status;
        await WriteJsonAsync(ctx, new JsonObject { ["message"] = message, ["code"] = code });
    }

    private async Task AnswerAsync(HttpContext ctx, string method, string path, JsonNode? body)
    {
        Match m;
        if (method == "GET" && path == "gateway/bot")
        {
            await WriteJsonAsync(ctx, new JsonObject
            {
                ["url"] = GatewayUrl,
                ["shards"] = 1,
                ["session_start_limit"] = new JsonObject { ["total"] = 1000, ["remaining"] = 1000 - Identifies, ["reset_after"] = 14_400_000, ["max_concurrency"] = 1 },
            });
        }
        else if ((m = ChannelMessages().Match(path)).Success && method == "POST")
        {
            if (m.Groups[1].Value != ChannelId && m.Groups[1].Value != OtherChannelId)
            {
                await ErrorAsync(ctx, 404, 10003, "Unknown Channel");
                return;
            }

            if (!ValidMessage(body, out var content))
            {
                await ErrorAsync(ctx, 400, 50035, "Invalid Form Body");
                return;
            }

            var id = NewId();
            lock (_gate)
            {
                _messages[id] = content;
                _posted.Add((id, content));
            }

            var message = MessageJson(id, m.Groups[1].Value, content);
            await WriteJsonAsync(ctx, message);
            // Discord fires MESSAGE_CREATE for the bot's own messages too.
            if (Current is { Session: not null } current) await current.DispatchAsync("MESSAGE_CREATE", (JsonObject)message.DeepClone());
        }
        else if ((m = ChannelMessage().Match(path)).Success && method == "PATCH")
        {
            if (!ValidMessage(body, out var content))
            {
                await ErrorAsync(ctx, 400, 50035, "Invalid Form Body");
                return;
            }

            lock (_gate)
            {
                if (!_messages.ContainsKey(m.Groups[2].Value)) content = null!;
                else _messages[m.Groups[2].Value] = content;
            }

            if (content is null) await ErrorAsync(ctx, 404, 10008, "Unknown Message");
            else await WriteJsonAsync(ctx, MessageJson(m.Groups[2].Value, m.Groups[1].Value, content));
        }
        else if ((m = Callback().Match(path)).Success && method == "POST")
        {
            FakeInteraction? interaction;
            lock (_gate) _interactions.TryGetValue(m.Groups[1].Value, out interaction);
            if (interaction is null || interaction.Token != m.Groups[2].Value || _clock.Elapsed - interaction.CreatedAt > TimeSpan.FromSeconds(3))
            {
                await ErrorAsync(ctx, 404, 10062, "Unknown interaction");
            }
            else if (interaction.CallbackType is not null)
            {
                await ErrorAsync(ctx, 400, 40060, "Interaction has already been acknowledged.");
            }
            else
            {
                interaction.CallbackType = body?["type"]?.GetValue<int>();
                interaction.CallbackAt = _clock.Elapsed;
                ctx.Response.StatusCode = 204;
            }
        }
        else if ((m = Webhook().Match(path)).Success)
        {
            FakeInteraction? interaction;
            lock (_gate) interaction = _interactions.Values.FirstOrDefault(i => i.Token == m.Groups[2].Value);
            if (interaction?.CallbackType is null || m.Groups[1].Value != ApplicationId)
            {
                await ErrorAsync(ctx, 404, 10015, "Unknown Webhook");
                return;
            }

            if (!ValidMessage(body, out var content))
            {
                await ErrorAsync(ctx, 400, 50035, "Invalid Form Body");
                return;
            }

            string id;
            lock (_gate)
            {
                if (m.Groups[3].Success && method == "PATCH")
                {
                    id = interaction.OriginalId ??= NewId();
                    interaction.Original = content;
                }
                else
                {
                    id = NewId();
                    interaction.FollowUps.Add(content);
                }
            }

            await WriteJsonAsync(ctx, MessageJson(id, interaction.ChannelId, content));
        }
        else if ((m = Commands().Match(path)).Success)
        {
            if (m.Groups[1].Value != ApplicationId || m.Groups[2].Value != GuildId)
            {
                await ErrorAsync(ctx, 403, 50001, "Missing Access");
                return;
            }

            if (method == "PUT")
            {
                var list = body as JsonArray ?? [];
                foreach (var c in list.OfType<JsonObject>()) c["id"] = NewId();
                lock (_gate)
                {
                    RegisteredCommands = list;
                    CommandPuts++;
                }
            }

            JsonArray answer;
            lock (_gate) answer = (JsonArray)RegisteredCommands.DeepClone();
            await WriteJsonAsync(ctx, answer);
        }
        else
        {
            await ErrorAsync(ctx, 404, 0, "404: Not Found");
        }
    }

    public JsonArray RegisteredCommands { get; private set; } = [];

    public int CommandPuts { get; private set; }

    /// <summary>A slash command as Discord sends it; the fake remembers its token for the callback.</summary>
    public JsonObject NewInteraction(string command, string? args, string userId = "613425648685547600", string username = "alice", params string[] roles)
    {
        var id = NewId();
        var token = "itoken-" + Guid.NewGuid().ToString("N");
        lock (_gate) _interactions[id] = new FakeInteraction(id, token, ChannelId, _clock.Elapsed);
        var options = new JsonArray();
        if (args is not null) options.Add(new JsonObject { ["name"] = "args", ["type"] = 3, ["value"] = args });
        return new JsonObject
        {
            ["id"] = id,
            ["application_id"] = ApplicationId,
            ["type"] = 2,
            ["token"] = token,
            ["version"] = 1,
            ["guild_id"] = GuildId,
            ["channel_id"] = ChannelId,
            ["member"] = new JsonObject
            {
                ["user"] = new JsonObject { ["id"] = userId, ["username"] = username, ["global_name"] = "Not " + username },
                ["roles"] = new JsonArray(roles.Select(r => (JsonNode?)r).ToArray()),
                ["permissions"] = "2147483647",
            },
            ["data"] = new JsonObject { ["id"] = NewId(), ["name"] = command, ["type"] = 1, ["options"] = options },
        };
    }

    /// <summary>A user's message in the channel, as MESSAGE_CREATE carries it.</summary>
    public JsonObject NewMessage(string content, string userId = "613425648685547600", string username = "alice", string channelId = ChannelId, bool bot = false, params string[] roles) => new()
    {
        ["id"] = NewId(),
        ["channel_id"] = channelId,
        ["guild_id"] = GuildId,
        ["author"] = new JsonObject { ["id"] = userId, ["username"] = username, ["global_name"] = "Not " + username, ["bot"] = bot },
        ["member"] = new JsonObject { ["roles"] = new JsonArray(roles.Select(r => (JsonNode?)r).ToArray()), ["nick"] = null },
        ["content"] = content,
        ["type"] = 0,
        ["timestamp"] = "2026-01-01T12:00:00.000000+00:00",
        ["mentions"] = new JsonArray(),
        ["mention_roles"] = new JsonArray(),
    };

    private JsonObject MessageJson(string id, string channelId, string content) => new()
    {
        ["id"] = id,
        ["channel_id"] = channelId,
        ["guild_id"] = GuildId,
        ["author"] = new JsonObject { ["id"] = BotUserId, ["username"] = "chatops", ["bot"] = true },
        ["content"] = content,
        ["type"] = 0,
        ["timestamp"] = "2026-01-01T12:00:00.000000+00:00",
        ["mentions"] = new JsonArray(),
        ["mention_roles"] = new JsonArray(),
    };

    private static bool ValidMessage(JsonNode? body, out string content)
    {
        content = body?["content"]?.GetValue<string>() ?? "";
        return content.Length is > 0 and <= 2000;
    }

    internal string NewId() => Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);

    private static JsonNode? TryParse(string body)
    {
        try { return JsonNode.Parse(body); }
        catch (JsonException) { return null; }
    }

    private static async Task WriteJsonAsync(HttpContext ctx, JsonNode json)
    {
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(json.ToJsonString());
    }

    /// <summary>The route template and its top-level resource, as Discord's rate limits key them.</summary>
    internal static string RouteOf(string method, string path, out string major)
    {
        var parts = path.Split('/');
        major = parts.Length > 1 && parts[0] is "channels" or "guilds" or "webhooks" or "interactions" ? parts[1] : "";
        var template = string.Join('/', parts.Select((p, i) => i > 0 && (p.All(char.IsDigit) || p.StartsWith("itoken-", StringComparison.Ordinal)) ? "{id}" : p));
        return $"{method} /{template}";
    }

    [GeneratedRegex("^channels/([0-9]+)/messages$")]
    private static partial Regex ChannelMessages();

    [GeneratedRegex("^channels/([0-9]+)/messages/([0-9]+)$")]
    private static partial Regex ChannelMessage();

    [GeneratedRegex("^interactions/([0-9]+)/([^/]+)/callback$")]
    private static partial Regex Callback();

    [GeneratedRegex("^webhooks/([0-9]+)/([^/]+)(/messages/@original)?$")]
    private static partial Regex Webhook();

    [GeneratedRegex("^applications/([0-9]+)/guilds/([0-9]+)/commands$")]
    private static partial Regex Commands();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One REST request as the fake received it; <see cref="At"/> is the fake's own monotonic clock.</summary>
public sealed record RestCall(string Method, string Path, string Route, JsonNode? Body, TimeSpan At, string UserAgent, string Authorization, string? ContentType);

/// <summary>A slash command the fake sent, and how the bot answered it.</summary>
public sealed class FakeInteraction(string id, string token, string channelId, TimeSpan createdAt)
{
    public string Id { get; } = id;

    public string Token { get; } = token;

    public string ChannelId { get; } = channelId;

    public TimeSpan CreatedAt { get; } = createdAt;

    public int? CallbackType { get; set; }

    public TimeSpan? CallbackAt { get; set; }

    public string? OriginalId { get; set; }

    public string? Original { get; set; }

    public List<string> FollowUps { get; } = [];
}

/// <summary>A gateway session: its numbered Dispatches, kept for Resume.</summary>
public sealed class FakeSession(string id)
{
    public string Id { get; } = id;

    public List<JsonObject> Events { get; } = [];

    public bool Ended { get; set; }
}
