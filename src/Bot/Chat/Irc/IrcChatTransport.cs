using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using ChatOpsReconfig.Bot.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>
/// Chat on an IRC channel. Keeps one connection up (reconnecting with backoff and jitter), hands the channel's
/// commands to the bot and says the outbox's messages in the channel. While disconnected a post fails with
/// <see cref="ChatDeliveryException"/>, so the outbox keeps it and delivers it, in order, after the reconnect.
/// </summary>
internal sealed class IrcChatTransport : BackgroundService, IChatTransport
{
    /// <summary>A message is about one IRC line: a table row stays a row, and a broken connection repeats little.</summary>
    public const int MaxMessageChars = 400;

    /// <summary>A post waits this long for the connection before it fails (and the outbox tries again).</summary>
    public static readonly TimeSpan DeliveryWait = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30); // at 3 a.m. the channel wants the bot back soon after its server; one connect per 30 s burdens no server

    private readonly IrcOptions _options;
    private readonly string _prefix;
    private readonly string? _password;
    private readonly X509Certificate2? _extraTrust;
    private readonly TimeProvider _time;
    private readonly ILogger<IrcChatTransport> _logger;
    private readonly TokenBucket _bucket;
    private readonly Channel<ChatMessage> _commands = Channel.CreateUnbounded<ChatMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource<IrcSession> _joined = NewJoined();
    private int _nextId;

    public IrcChatTransport(IrcOptions options, ChatOptions chat, TimeProvider time, ILogger<IrcChatTransport> logger)
    {
        _options = options;
        _prefix = chat.Prefix;
        _time = time;
        _logger = logger;
        _password = IrcSecrets.ReadPassword(options);
        _extraTrust = options.TlsCertificateFile is { } file ? X509CertificateLoader.LoadCertificateFromFile(file) : null;
        _bucket = new TokenBucket(options.MessagesPerSecond, options.Burst, time);
    }

    public ChatCapabilities Capabilities { get; } = new(MaxMessageChars, ChatMarkup.Plain, CanEdit: false, MentionSyntax.Nick);

    public string DefaultChannel => _options.Channel;

    /// <summary>The session in the channel now, or null; for tests and diagnostics.</summary>
    internal IrcSession? Current { get; private set; }

    public async IAsyncEnumerable<ChatMessage> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            ChatMessage message;
            try
            {
                message = await _commands.Reader.ReadAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            yield return message;
        }
    }

    /// <summary>Says <paramref name="text"/> in the configured channel (the only one the bot speaks in), then confirms the server read it.</summary>
    public async Task<PostedMessage> PostAsync(string channel, string text, CancellationToken cancellationToken)
    {
        var session = await WaitForChannelAsync(cancellationToken);
        var refusedBefore = session.Refused;
        try
        {
            await session.SayAsync(text, cancellationToken);
            await session.ConfirmAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // The connection is broken or dead: drop it so the loop reconnects; the outbox sends this message again.
            session.Abort($"sending failed: {ex.Message}");
            throw new ChatDeliveryException($"IRC connection to {_options.Server} lost while sending: {ex.Message}", TimeSpan.Zero, ex);
        }

        if (session.Refused != refusedBefore)
            throw new ChatDeliveryException($"the IRC server refused the message in {_options.Channel} (see the log)", TimeSpan.FromSeconds(60));
        return new PostedMessage(_options.Channel, Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>IRC has no edits; the announcer posts milestones instead (see <see cref="Capabilities"/>).</summary>
    public Task EditAsync(PostedMessage message, string text, CancellationToken cancellationToken) =>
        throw new ChatDeliveryException("IRC messages cannot be edited");

    private async Task<IrcSession> WaitForChannelAsync(CancellationToken cancellationToken)
    {
        var current = _joined;
        if (current.Task.IsCompletedSuccessfully)
        {
            var session = await current.Task;
            if (session.Joined) return session;
            // Kicked (or the join failed): wait for the rejoin like for a reconnect.
            Interlocked.CompareExchange(ref _joined, NewJoined(), current);
        }

        var joined = _joined.Task;
        // At shutdown nothing waits for a connection that is not there: the outbox keeps the message for the next start.
        if (_stopping.IsCancellationRequested) throw NotConnected();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        try
        {
            return await joined.WaitAsync(DeliveryWait, _time, linked.Token);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Retry at once: the next attempt waits for the connection again, so delivery follows the rejoin closely.
            throw NotConnected();
        }
    }

    private ChatDeliveryException NotConnected() =>
        new($"not connected to IRC {_options.Server}:{_options.Port} {_options.Channel} (reconnecting)", TimeSpan.Zero);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            string reason;
            try
            {
                IrcLog.Connecting(_logger, _options.Server, _options.Port, _options.Tls);
                await using var connection = await ConnectAsync(stoppingToken);
                var session = new IrcSession(connection, _options, _password, _prefix, _bucket, _time, _logger,
                    m => _commands.Writer.TryWrite(m),
                    s =>
                    {
                        attempt = 0;
                        Current = s;
                        _joined.TrySetResult(s);
                    });
                try
                {
                    await session.RunAsync(stoppingToken);
                    reason = "the server closed the connection";
                }
                finally
                {
                    Current = null;
                    if (_joined.Task.IsCompleted) _joined = NewJoined();
                    if (stoppingToken.IsCancellationRequested) await QuitAsync(connection);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                reason = ex.Message;
            }

            var delay = Backoff(attempt++);
            IrcLog.Disconnected(_logger, _options.Server, reason, delay.TotalSeconds);
            try
            {
                await Task.Delay(delay, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _stopping.Dispose();
        _extraTrust?.Dispose();
        base.Dispose();
    }

    private async Task<IrcConnection> ConnectAsync(CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            return await IrcConnection.OpenAsync(_options, _extraTrust, timeout.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            throw new TimeoutException($"connecting to {_options.Server}:{_options.Port} took over 30 s");
        }
    }

    private static async Task QuitAsync(IrcConnection connection)
    {
        try
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await connection.WriteLineAsync(IrcLine.Format("QUIT", [], "shutting down"), quick.Token);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Leaving without a goodbye is fine.
        }
    }

    /// <summary>1 s, 2 s, 4 s … up to 30 s, each ±20% so that many bots do not return to a restarted server at once.</summary>
    internal static TimeSpan Backoff(int attempt)
    {
        var seconds = Math.Min(MaxBackoff.TotalSeconds, FirstBackoff.TotalSeconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromSeconds(seconds * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private static TaskCompletionSource<IrcSession> NewJoined() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
