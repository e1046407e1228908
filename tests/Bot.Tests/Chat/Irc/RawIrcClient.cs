using System.Net.Sockets;
using System.Text;
using ChatOpsReconfig.Bot.Chat.Irc;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

/// <summary>
/// A person in the channel: a plain TCP IRC client that registers, joins, says things, answers PINGs, and keeps every
/// line it receives with its arrival time and size on the wire, so tests can wait for a line and inspect them all.
/// </summary>
internal sealed class RawIrcClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly List<Received> _received = [];
    private readonly Lock _gate = new();
    private readonly Task _reading;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RawIrcClient(TcpClient tcp, string nick)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Nick = nick;
        _reading = Task.Run(ReadLoopAsync);
    }

    public string Nick { get; }

    public IReadOnlyList<Received> Lines
    {
        get { lock (_gate) return _received.ToList(); }
    }

    public int Count
    {
        get { lock (_gate) return _received.Count; }
    }

    /// <summary>Connects and registers as <paramref name="nick"/>; returns once the server welcomed us.</summary>
    public static async Task<RawIrcClient> ConnectAsync(int port, string nick)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawIrcClient(tcp, nick);
        await client.SendAsync($"NICK {nick}");
        await client.SendAsync($"USER {nick} 0 * :raw test client");
        await client.WaitForAsync(m => m.Command is "001" or "433", 0);
        Assert.DoesNotContain(client.Lines, l => l.Message.Command == "433");
        return client;
    }

    public async Task JoinAsync(string channel)
    {
        var from = Count;
        await SendAsync($"JOIN {channel}");
        await WaitForAsync(m => m.Command == "JOIN" && m.Nick == Nick, from);
    }

    public Task SayAsync(string channel, string text) => SendAsync($"PRIVMSG {channel} :{text}");

    public async Task SendAsync(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\r\n");
        await _stream.WriteAsync(bytes);
    }

    /// <summary>The first line at or after <paramref name="from"/> matching <paramref name="match"/>; fails with the transcript on timeout.</summary>
    public async Task<Received> WaitForAsync(Func<IrcMessage, bool> match, int from, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (var i = from; i < _received.Count; i++)
                {
                    if (match(_received[i].Message)) return _received[i];
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{Nick}: no matching line within {(timeout ?? DefaultTimeout).TotalSeconds:0} s; received:\n{Transcript()}");
            }
        }
    }

    /// <summary>Waits for a PRIVMSG from <paramref name="nick"/> whose text satisfies <paramref name="text"/>.</summary>
    public Task<Received> WaitForMessageAsync(string nick, Func<string, bool> text, int from, TimeSpan? timeout = null) =>
        WaitForAsync(m => m.Command == "PRIVMSG" && m.Nick == nick && text(m.Param(1)), from, timeout);

    /// <summary>Texts of the PRIVMSGs <paramref name="nick"/> sent, from line <paramref name="from"/> on.</summary>
    public IReadOnlyList<string> MessagesFrom(string nick, int from = 0) =>
        Lines.Skip(from).Where(l => l.Message.Command == "PRIVMSG" && l.Message.Nick == nick).Select(l => l.Message.Param(1)).ToList();

    public string Transcript() => string.Join('\n', Lines.Select(l => l.Raw));

    private async Task ReadLoopAsync()
    {
        var reader = new StreamReader(_stream, new UTF8Encoding(false, false));
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                var message = IrcMessage.Parse(line);
                if (message is null) continue;
                if (message.Command == "PING") await SendAsync($"PONG :{message.Param(0)}");
                // ReadLine drops the CR LF; the server sent them, so they count towards the 512-byte limit.
                var received = new Received(DateTimeOffset.UtcNow, message, line, Encoding.UTF8.GetByteCount(line) + 2);
                lock (_gate)
                {
                    _received.Add(received);
                    var changed = _changed;
                    _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    changed.TrySetResult();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // The server went away (killed by a test) or we closed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        await _reading;
    }

    /// <summary>One line as received: when, parsed, raw (without CR LF), and its size on the wire including CR LF.</summary>
    public sealed record Received(DateTimeOffset At, IrcMessage Message, string Raw, int WireBytes);
}
