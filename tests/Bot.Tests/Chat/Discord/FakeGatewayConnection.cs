using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ChatOpsReconfig.Bot.Tests.Chat.Discord;

/// <summary>
/// One client connection to the fake gateway, scripted by the test the way the protocol reads: send Hello, expect
/// Identify, send READY, dispatch events; or expect Resume and replay. Heartbeats are answered (ACK) by the fake
/// itself unless <see cref="AckHeartbeats"/> is off, and recorded with the time of the test's clock. Frames that
/// break the rules get Discord's close codes (4001, 4002, 4003, 4004, 4005, 4008, 4013, 4014).
/// </summary>
public sealed class FakeGatewayConnection
{
    private readonly FakeDiscord _fake;
    private readonly WebSocket _socket;
    private readonly Action _abort;
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly TaskCompletionSource<int?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<(DateTimeOffset At, JsonElement D)> _heartbeats = [];
    private readonly Queue<DateTimeOffset> _clientFrames = new();
    private bool _identified;

    internal FakeGatewayConnection(FakeDiscord fake, WebSocket socket, string path, string query, Action abort)
    {
        _fake = fake;
        _socket = socket;
        _abort = abort;
        Path = path;
        Query = query;
    }

    /// <summary><c>/gateway</c> or <c>/resume-gateway</c>.</summary>
    public string Path { get; }

    public string Query { get; }

    public bool AckHeartbeats { get; set; } = true;

    /// <summary>Clock for heartbeat timestamps (the client's fake clock in timing tests).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    public FakeSession? Session { get; private set; }

    public IReadOnlyList<(DateTimeOffset At, JsonElement D)> Heartbeats
    {
        get { lock (_gate) return _heartbeats.ToList(); }
    }

    /// <summary>How the connection ended: the client's close code, or null for a dropped connection.</summary>
    public Task<int?> Ended => _ended.Task;

    public Task SendHelloAsync() => SendAsync(new JsonObject { ["op"] = 10, ["d"] = new JsonObject { ["heartbeat_interval"] = _fake.HeartbeatIntervalMs } });

    /// <summary>The next frame that is not a heartbeat; fails unless its op is <paramref name="op"/>.</summary>
    public async Task<JsonElement> ExpectAsync(int op)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        JsonElement frame;
        try
        {
            frame = await _frames.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no op {op} from the client within 20 s");
        }

        var got = frame.GetProperty("op").GetInt32();
        if (got != op) throw new InvalidOperationException($"expected op {op}, got {frame.GetRawText()}");
        return frame.GetProperty("d");
    }

    /// <summary>Starts a new session: READY (s = 1) as Discord sends it, then GUILD_CREATE.</summary>
    public async Task SendReadyAsync()
    {
        Session = new FakeSession("session-" + Guid.NewGuid().ToString("N"));
        _fake.Sessions[Session.Id] = Session;
        await DispatchAsync("READY", new JsonObject
        {
            ["v"] = 10,
            ["user"] = new JsonObject { ["id"] = FakeDiscord.BotUserId, ["username"] = "chatops", ["bot"] = true },
            ["guilds"] = new JsonArray(new JsonObject { ["id"] = FakeDiscord.GuildId, ["unavailable"] = true }),
            ["session_id"] = Session.Id,
            ["resume_gateway_url"] = _fake.ResumeGatewayUrl,
            ["application"] = new JsonObject { ["id"] = FakeDiscord.ApplicationId, ["flags"] = 0 },
        });
        await DispatchAsync("GUILD_CREATE", new JsonObject { ["id"] = FakeDiscord.GuildId, ["name"] = "releng", ["channels"] = new JsonArray() });
    }

    /// <summary>Hello, Identify, READY: the usual start. Returns the Identify's <c>d</c>.</summary>
    public async Task<JsonElement> HandshakeAsync()
    {
        await SendHelloAsync();
        var identify = await ExpectAsync(2);
        await SendReadyAsync();
        return identify;
    }

    /// <summary>A numbered Dispatch in this connection's session (kept for replay on Resume).</summary>
    public async Task DispatchAsync(string type, JsonObject d)
    {
        JsonObject frame;
        var session = Session ?? throw new InvalidOperationException("no session on this connection");
        lock (session)
        {
            frame = new JsonObject { ["op"] = 0, ["d"] = d, ["s"] = session.Events.Count + 1, ["t"] = type };
            session.Events.Add(frame);
        }

        await SendAsync(frame);
    }

    /// <summary>Stores a Dispatch in the session without sending it: it happened while the client was away.</summary>
    public static void Missed(FakeSession session, string type, JsonObject d)
    {
        lock (session) session.Events.Add(new JsonObject { ["op"] = 0, ["d"] = d, ["s"] = session.Events.Count + 1, ["t"] = type });
    }

    /// <summary>Answers a Resume as Discord does: replays what came after its seq, then RESUMED; op 9 false for an unknown or ended session; 4007 for a bad seq.</summary>
    public async Task AnswerResumeAsync(JsonElement resume)
    {
        var sessionId = resume.GetProperty("session_id").GetString()!;
        if (!_fake.TokenMatches(resume.GetProperty("token").GetString()) || !_fake.Sessions.TryGetValue(sessionId, out var session) || session.Ended)
        {
            await SendAsync(new JsonObject { ["op"] = 9, ["d"] = false });
            return;
        }

        var seq = resume.GetProperty("seq").ValueKind == JsonValueKind.Number ? resume.GetProperty("seq").GetInt64() : 0;
        List<JsonObject> replay;
        lock (session)
        {
            if (seq > session.Events.Count)
            {
                replay = [];
                seq = -1;
            }
            else
            {
                replay = session.Events.Skip((int)seq).Select(e => (JsonObject)e.DeepClone()).ToList();
            }
        }

        if (seq < 0)
        {
            await CloseAsync(4007);
            return;
        }

        Session = session;
        _identified = true;
        foreach (var e in replay) await SendAsync(e);
        await DispatchAsync("RESUMED", new JsonObject());
    }

    public Task SendAsync(int op, JsonNode? d) => SendAsync(new JsonObject { ["op"] = op, ["d"] = d });

    public async Task SendAsync(JsonObject frame)
    {
        var bytes = Encoding.UTF8.GetBytes(frame.ToJsonString());
        await _sendGate.WaitAsync();
        try
        {
            // Split in two so the client has to read to the end of the message.
            var half = bytes.Length / 2;
            await _socket.SendAsync(bytes.AsMemory(0, half), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
            await _socket.SendAsync(bytes.AsMemory(half), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
            // The client is gone; the test sees it through Ended.
        }
        finally
        {
            _sendGate.Release();
        }
    }

    public async Task CloseAsync(int code)
    {
        try
        {
            await _socket.CloseOutputAsync((WebSocketCloseStatus)code, "fake discord", CancellationToken.None);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or IOException)
        {
        }

        _ended.TrySetResult(code);
    }

    /// <summary>Drops the TCP connection without a close frame.</summary>
    public void Drop()
    {
        _abort();
        _ended.TrySetResult(null);
    }

    internal async Task RunAsync(CancellationToken aborted)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), aborted);
                    length += result.Count;
                }
                while (!result.EndOfMessage && length < buffer.Length);

                if (!result.EndOfMessage)
                {
                    await CloseAsync(4002);
                    return;
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    var code = (int?)_socket.CloseStatus;
                    if (code is 1000 or 1001 && Session is not null) Session.Ended = true;
                    _ended.TrySetResult(code);
                    return;
                }

                if (await CheckAsync(buffer.AsMemory(0, length)) is { } frame) await _frames.Writer.WriteAsync(frame);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            _ended.TrySetResult(null);
        }
    }

    /// <summary>Applies Discord's rules to a client frame; answers heartbeats; returns the frame for the script, or null.</summary>
    private async Task<JsonElement?> CheckAsync(ReadOnlyMemory<byte> bytes)
    {
        var now = Time.GetUtcNow();
        _clientFrames.Enqueue(now);
        while (now - _clientFrames.Peek() > TimeSpan.FromSeconds(60)) _clientFrames.Dequeue();
        if (_clientFrames.Count > 120)
        {
            await CloseAsync(4008);
            return null;
        }

        if (bytes.Length > 4096)
        {
            await CloseAsync(4002);
            return null;
        }

        JsonElement frame;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            frame = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            await CloseAsync(4002);
            return null;
        }

        var op = frame.TryGetProperty("op", out var o) && o.TryGetInt32(out var n) ? n : -1;
        if (op is not (1 or 2 or 3 or 4 or 6 or 8))
        {
            await CloseAsync(4001);
            return null;
        }

        if (!_identified && op is not (1 or 2 or 6))
        {
            await CloseAsync(4003);
            return null;
        }

        switch (op)
        {
            case 1:
                lock (_gate) _heartbeats.Add((now, frame.GetProperty("d").Clone()));
                if (AckHeartbeats) await SendAsync(new JsonObject { ["op"] = 11 });
                return null;
            case 2 when _identified:
                await CloseAsync(4005);
                return null;
            case 2 when !_fake.IdentifyAllowed(frame.GetProperty("d"), out var code):
                await CloseAsync(code);
                return null;
            case 2:
                _identified = true;
                return frame;
            default:
                return frame;
        }
    }

    /// <summary>Waits until the client has sent <paramref name="count"/> heartbeats; fails after 20 s.</summary>
    public Task WaitForHeartbeatsAsync(int count) => FakeDiscord.Until(() => Heartbeats.Count >= count, $"{count} heartbeats");
}
