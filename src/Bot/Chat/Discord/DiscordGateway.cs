using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Chat.Discord;

/// <summary>One Dispatch (op 0) the bot reads: its name and its <c>d</c>.</summary>
internal sealed record GatewayEvent(string Type, JsonElement Data);

/// <summary>
/// Discord's gateway (v10, JSON text frames, no compression): Hello → heartbeats → Identify or Resume → Dispatches,
/// kept alive across drops. Resumes (to <c>resume_gateway_url</c>, with the last sequence number) after op 7, a
/// dropped connection, a resumable close code or a zombie link; Identifies anew only when the session is gone, and
/// never more often than <see cref="DiscordGatewayTiming.IdentifySpacing"/>. A fatal close code (bad token,
/// sharding, API version, intents) ends <see cref="RunAsync"/> with one log line naming the fix.
/// </summary>
internal sealed partial class DiscordGateway(
    DiscordRest rest,
    DiscordToken token,
    DiscordGatewayTiming timing,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT.</summary>
    public const int Intents = (1 << 0) | (1 << 9) | (1 << 15);

    private const int MaxFrameBytes = 4096;
    private const int MaxIncomingBytes = 16 * 1024 * 1024;

    private readonly Channel<GatewayEvent> _events = Channel.CreateUnbounded<GatewayEvent>(new() { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly Queue<DateTimeOffset> _recentSends = new();

    private Uri? _gatewayUrl;
    private string? _sessionId;
    private Uri? _resumeUrl;
    private long? _sequence;
    private bool _acked;
    private DateTimeOffset _lastIdentify = DateTimeOffset.MinValue;

    /// <summary>Dispatches in the order received (READY and RESUMED included), until <see cref="RunAsync"/> ends.</summary>
    public ChannelReader<GatewayEvent> Events => _events.Reader;

    /// <summary>The bot's own user id, from READY (its messages are not commands).</summary>
    public string? UserId { get; private set; }

    /// <summary>The application's id, from READY (slash commands and interaction answers).</summary>
    public string? ApplicationId { get; private set; }

    /// <summary>Set when the gateway stopped for good (a fatal close code): what to fix.</summary>
    public string? FatalReason { get; private set; }

    /// <summary>Connects and stays connected until cancelled or a fatal close code.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var failures = 0;
        var identifyDelay = TimeSpan.Zero;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                ConnectionEnd end;
                try
                {
                    end = await ConnectOnceAsync(identifyDelay, ct);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    // Could not reach the gateway (or /gateway/bot), or it sent what we cannot read: ask for the URL
                    // again next time. Whatever went wrong, the bot must not stop over its chat connection.
                    _gatewayUrl = null;
                    end = new ConnectionEnd(Reached: false, Resumable: _sessionId is not null, Reason: ex.Message);
                }

                identifyDelay = TimeSpan.Zero;
                if (end.FatalFix is not null)
                {
                    FatalReason = end.FatalFix;
                    Log.Fatal(logger, end.CloseCode ?? 0, end.FatalFix);
                    return;
                }

                if (!end.Resumable)
                {
                    _sessionId = null;
                    _resumeUrl = null;
                    _sequence = null;
                }

                if (end.InvalidSession) identifyDelay = Between(timing.InvalidSessionMin, timing.InvalidSessionMax);
                failures = end.Reached ? 0 : failures + 1;
                var wait = failures == 0 ? TimeSpan.Zero : Backoff(failures);
                Log.Reconnecting(logger, end.Reason, end.Resumable ? "resume" : "identify", wait.TotalSeconds);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var full = Math.Min(timing.ReconnectCap.TotalMilliseconds, timing.ReconnectBase.TotalMilliseconds * Math.Pow(2, failures - 1));
        return TimeSpan.FromMilliseconds(full * (0.5 + (timing.Random() / 2)));
    }

    private TimeSpan Between(TimeSpan min, TimeSpan max) => min + ((max - min) * timing.Random());

    /// <summary>One connection from open to close; says how it ended.</summary>
    private async Task<ConnectionEnd> ConnectOnceAsync(TimeSpan identifyDelay, CancellationToken ct)
    {
        var resume = _sessionId is not null && _resumeUrl is not null;
        Uri url;
        if (resume)
        {
            url = _resumeUrl!;
        }
        else
        {
            url = await IdentifyUrlAsync(identifyDelay, ct);
        }

        using var socket = new ClientWebSocket();
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(ct);
        await socket.ConnectAsync(WithQuery(url), ct);
        _recentSends.Clear();

        var hello = await ReceiveAsync(socket, ct);
        if (hello is null) return Closed(socket, reached: false);
        using (hello)
        {
            var op = hello.RootElement.GetProperty("op").GetInt32();
            if (op == 7) return new ConnectionEnd(Reached: false, Resumable: true, Reason: "op 7 Reconnect instead of Hello");
            if (op != 10) return new ConnectionEnd(Reached: false, Resumable: resume, Reason: $"op {op} instead of Hello");
            var interval = TimeSpan.FromMilliseconds(hello.RootElement.GetProperty("d").GetProperty("heartbeat_interval").GetDouble());
            _acked = true;
            // The first beat's timer starts before Identify goes out (the docs allow the beat before or after it).
            var first = Task.Delay(interval * timing.Random(), time, connection.Token);
            var heartbeat = HeartbeatAsync(socket, interval, first, connection);
            try
            {
                if (resume)
                {
                    await SendAsync(socket, new JsonObject { ["op"] = 6, ["d"] = new JsonObject { ["token"] = token.Value, ["session_id"] = _sessionId, ["seq"] = _sequence } }, ct);
                }
                else
                {
                    _lastIdentify = time.GetUtcNow();
                    await SendAsync(socket, Identify(), ct);
                }

                return await ReadLoopAsync(socket, resume, connection.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The heartbeat saw no ACK between two beats: the link is a zombie. Dropping it without a close
                // frame keeps the session resumable (a 1000/1001 close would end it).
                socket.Abort();
                Log.Zombie(logger);
                return new ConnectionEnd(Reached: true, Resumable: _sessionId is not null, Reason: "no heartbeat ACK between two beats");
            }
            catch (Exception ex) when (ex is WebSocketException or IOException && !ct.IsCancellationRequested)
            {
                return new ConnectionEnd(Reached: _sessionId is not null, Resumable: _sessionId is not null, Reason: $"connection dropped: {ex.Message}");
            }
            finally
            {
                await connection.CancelAsync();
                try { await heartbeat; }
                catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException) { }
            }
        }
    }

    /// <summary>The cached gateway URL (fetched again after a failure), once Identify is allowed again.</summary>
    private async Task<Uri> IdentifyUrlAsync(TimeSpan identifyDelay, CancellationToken ct)
    {
        var info = _gatewayUrl is null ? await rest.GetGatewayAsync(ct) : null;
        if (info is not null)
        {
            _gatewayUrl = info.Url;
            if (info.SessionStartsRemaining is <= 0)
            {
                Log.SessionStartsSpent(logger, info.SessionStartsResetAfter.TotalMinutes);
                await Task.Delay(info.SessionStartsResetAfter, time, ct);
            }
        }

        var spacing = _lastIdentify + timing.IdentifySpacing - time.GetUtcNow();
        var wait = spacing > identifyDelay ? spacing : identifyDelay;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
        return _gatewayUrl!;
    }

    private JsonObject Identify() => new()
    {
        ["op"] = 2,
        ["d"] = new JsonObject
        {
            ["token"] = token.Value,
            ["intents"] = Intents,
            ["properties"] = new JsonObject { ["os"] = OperatingSystem.IsLinux() ? "linux" : Environment.OSVersion.Platform.ToString().ToLowerInvariant(), ["browser"] = "chatops", ["device"] = "chatops" },
        },
    };

    private async Task<ConnectionEnd> ReadLoopAsync(ClientWebSocket socket, bool resuming, CancellationToken ct)
    {
        var reached = false;
        while (true)
        {
            using var frame = await ReceiveAsync(socket, ct);
            if (frame is null) return Closed(socket, reached);
            var root = frame.RootElement;
            var op = root.GetProperty("op").GetInt32();
            switch (op)
            {
                case 0:
                    if (root.TryGetProperty("s", out var s) && s.ValueKind == JsonValueKind.Number) _sequence = s.GetInt64();
                    var type = root.GetProperty("t").GetString() ?? "";
                    var data = root.GetProperty("d").Clone();
                    if (type == "READY")
                    {
                        _sessionId = data.GetProperty("session_id").GetString();
                        _resumeUrl = Uri.TryCreate(data.GetProperty("resume_gateway_url").GetString(), UriKind.Absolute, out var r) ? r : _gatewayUrl;
                        UserId = data.GetProperty("user").GetProperty("id").GetString();
                        if (data.TryGetProperty("application", out var app)) ApplicationId = app.GetProperty("id").GetString();
                        reached = true;
                        Log.Ready(logger, UserId ?? "?");
                    }
                    else if (type == "RESUMED")
                    {
                        reached = true;
                        Log.Resumed(logger, _sequence ?? 0);
                    }

                    await _events.Writer.WriteAsync(new GatewayEvent(type, data), ct);
                    break;
                case 1:
                    await SendAsync(socket, Heartbeat(), ct);
                    break;
                case 7:
                    await CloseForReconnectAsync(socket);
                    return new ConnectionEnd(Reached: true, Resumable: _sessionId is not null, Reason: "op 7 Reconnect");
                case 9:
                    var resumable = root.TryGetProperty("d", out var d) && d.ValueKind == JsonValueKind.True;
                    await CloseForReconnectAsync(socket);
                    return new ConnectionEnd(Reached: resuming || reached, Resumable: resumable && _sessionId is not null, Reason: $"op 9 Invalid Session ({(resumable ? "resumable" : "not resumable")})", InvalidSession: !resumable);
                case 11:
                    _acked = true;
                    break;
            }
        }
    }

    /// <summary>Beats every interval with the last sequence number; cancels the connection when the previous beat got no ACK.</summary>
    private async Task HeartbeatAsync(ClientWebSocket socket, TimeSpan interval, Task first, CancellationTokenSource connection)
    {
        await first;
        while (!connection.IsCancellationRequested)
        {
            if (!_acked)
            {
                await connection.CancelAsync();
                return;
            }

            _acked = false;
            var next = Task.Delay(interval, time, connection.Token);
            await SendAsync(socket, Heartbeat(), connection.Token);
            await next;
        }
    }

    private JsonObject Heartbeat() => new() { ["op"] = 1, ["d"] = _sequence };

    /// <summary>Closes with a code other than 1000/1001, which would end the session instead of leaving it resumable.</summary>
    private static async Task CloseForReconnectAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await socket.CloseOutputAsync((WebSocketCloseStatus)4000, "reconnecting", timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            socket.Abort();
        }
    }

    private ConnectionEnd Closed(ClientWebSocket socket, bool reached)
    {
        var code = (int?)socket.CloseStatus;
        var reason = $"closed by Discord ({code} {socket.CloseStatusDescription})";
        if (FatalFixFor(code) is { } fix) return new ConnectionEnd(reached, Resumable: false, reason, CloseCode: code, FatalFix: fix);
        // 4007 (bad seq) and 4009 (session timed out) need a new session; for the other codes resuming first is
        // common practice, not a documented rule (unconfirmed): an unusable session answers op 9 and we Identify.
        var resumable = code is not (4007 or 4009) && _sessionId is not null;
        return new ConnectionEnd(reached, resumable, reason, CloseCode: code);
    }

    internal static string? FatalFixFor(int? code) => code switch
    {
        4004 => "authentication failed: the bot token is wrong or was reset; put the current token (Developer Portal → Bot → Reset Token) in the token file or variable and restart",
        4010 => "invalid shard: the bot does not shard; check that nothing else sends a shard in Identify",
        4011 => "sharding required: the bot is in too many servers for one connection; it is built for one server",
        4012 => "invalid API version: apiBase or the gateway URL names a version other than v10",
        4013 => "invalid intents: the Identify intents have an undefined bit",
        4014 => "disallowed intents: enable MESSAGE CONTENT INTENT in the Developer Portal (Bot → Privileged Gateway Intents) and restart",
        _ => null,
    };

    private async Task SendAsync(ClientWebSocket socket, JsonObject payload, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        if (bytes.Length > MaxFrameBytes) throw new InvalidOperationException($"gateway payload of {bytes.Length} bytes (Discord takes at most {MaxFrameBytes})");
        await _sendGate.WaitAsync(ct);
        try
        {
            await WaitForSendBudgetAsync(ct);
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, ct);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Keeps under the 120-per-minute send limit (close 4008) with headroom.</summary>
    private async Task WaitForSendBudgetAsync(CancellationToken ct)
    {
        var window = TimeSpan.FromMinutes(1);
        while (_recentSends.Count > 0 && time.GetUtcNow() - _recentSends.Peek() >= window) _recentSends.Dequeue();
        if (_recentSends.Count >= timing.SendLimitPerMinute)
        {
            await Task.Delay(_recentSends.Peek() + window - time.GetUtcNow(), time, ct);
            _recentSends.Dequeue();
        }

        _recentSends.Enqueue(time.GetUtcNow());
    }

    /// <summary>One whole message (read until EndOfMessage), or null when the server closed.</summary>
    private static async Task<JsonDocument?> ReceiveAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(8192);
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.GetMemory(8192), ct);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            buffer.Advance(result.Count);
            if (buffer.WrittenCount > MaxIncomingBytes) throw new IOException($"gateway message over {MaxIncomingBytes} bytes");
            if (result.EndOfMessage) return JsonDocument.Parse(buffer.WrittenMemory);
        }
    }

    private static Uri WithQuery(Uri url)
    {
        var builder = new UriBuilder(url) { Query = "v=10&encoding=json" };
        if (builder.Path.Length == 0) builder.Path = "/";
        return builder.Uri;
    }

    /// <summary>How a connection ended: whether it got as far as READY/RESUMED, and whether the session can be resumed.</summary>
    private sealed record ConnectionEnd(bool Reached, bool Resumable, string Reason, int? CloseCode = null, string? FatalFix = null, bool InvalidSession = false);

    private static partial class Log
    {
        [LoggerMessage(201, LogLevel.Information, "Discord gateway ready as user {UserId}")]
        public static partial void Ready(ILogger logger, string userId);

        [LoggerMessage(202, LogLevel.Information, "Discord gateway session resumed at sequence {Sequence}")]
        public static partial void Resumed(ILogger logger, long sequence);

        [LoggerMessage(203, LogLevel.Warning, "Discord gateway: {Reason}; will {Next} in {Seconds:0.0} s")]
        public static partial void Reconnecting(ILogger logger, string reason, string next, double seconds);

        [LoggerMessage(204, LogLevel.Warning, "Discord gateway: no heartbeat ACK between two beats; dropping the connection and resuming")]
        public static partial void Zombie(ILogger logger);

        [LoggerMessage(205, LogLevel.Critical, "Discord gateway closed with {Code}, which does not allow reconnecting: {Fix}. The bot stays up without Discord chat (announcements wait in the outbox)")]
        public static partial void Fatal(ILogger logger, int code, string fix);

        [LoggerMessage(206, LogLevel.Error, "Discord: the bot's daily session starts are spent; waiting {Minutes:0} min for them to reset")]
        public static partial void SessionStartsSpent(ILogger logger, double minutes);
    }
}
