using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>
/// The protocol on one connection: CAP negotiation (account-tag, account-notify, extended-join, sasl), SASL PLAIN,
/// NICK/USER with fallback nicks, JOIN, PING/PONG, and the channel's commands. Ends when the connection does.
/// </summary>
internal sealed class IrcSession(
    IrcConnection connection,
    IrcOptions options,
    string? saslPassword,
    string commandPrefix,
    TokenBucket bucket,
    TimeProvider time,
    ILogger logger,
    Action<ChatMessage> onCommand,
    Action<IrcSession> onJoined)
{
    /// <summary>Nothing heard for this long: we ask the server (PING); nothing again: the connection is dead.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(120);

    public static readonly TimeSpan RegistrationTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long the server has to answer our PING after a message before the connection counts as dead.</summary>
    public static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Room the server's relay adds before our text: <c>:nick!user@host </c>, with the longest user and host.</summary>
    private const int UnknownUserHostBytes = 1 + 11 + 1 + 63;

    private static readonly string[] WantedCaps = ["account-tag", "account-notify", "extended-join"];
    private readonly IrcAccounts _accounts = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _pongs = new();
    private readonly Dictionary<string, DateTimeOffset> _refused = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _offeredCaps = [];
    private readonly CancellationTokenSource _closed = new();
    private int _nickAttempt;
    private int _pingCounter;
    private string? _hostmask;
    private bool _registered;
    private int _refusedSends;
    private string? _abortReason;

    public string Nick { get; private set; } = options.Nick;

    public bool Joined { get; private set; }

    /// <summary>How many of our channel messages the server refused (404 cannot send: moderated, banned, not joined).</summary>
    public int Refused => _refusedSends;

    /// <summary>Runs until the server closes the connection, it goes silent, or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closed.Token);
        var ct = linked.Token;
        try
        {
            await SendAsync(IrcLine.Format("CAP", ["LS", "302"]), ct);
            await SendAsync(IrcLine.Format("NICK", [Nick]), ct);
            await SendAsync(IrcLine.Format("USER", [options.Nick, "0", "*"], "ChatOpsReconfig"), ct);
            var started = time.GetTimestamp();
            var pinged = false;
            Task<string?>? pending = null;
            while (true)
            {
                pending ??= connection.ReadLineAsync(ct).AsTask();
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var timeout = Task.Delay(_registered ? IdleTimeout : RegistrationTimeout, time, idle.Token);
                if (await Task.WhenAny(pending, timeout) != pending)
                {
                    ct.ThrowIfCancellationRequested();
                    if (!_registered && time.GetElapsedTime(started) >= RegistrationTimeout)
                        throw new TimeoutException($"no welcome from the server within {RegistrationTimeout.TotalSeconds:0} s");
                    if (pinged) throw new TimeoutException($"the server has been silent for {(IdleTimeout * 2).TotalSeconds:0} s");
                    pinged = true;
                    await SendAsync(IrcLine.Format("PING", ["chatops-idle"]), ct);
                    continue;
                }

                await idle.CancelAsync();
                var line = await pending;
                pending = null;
                pinged = false;
                if (line is null) return;
                if (IrcMessage.Parse(line) is { } message) await HandleAsync(message, ct);
            }
        }
        catch (OperationCanceledException) when (_closed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new IOException(_abortReason ?? "connection dropped");
        }
        finally
        {
            Joined = false;
            foreach (var pong in _pongs.Values) pong.TrySetException(new IOException("the connection to the IRC server closed"));
        }
    }

    /// <summary>Drops the connection; <see cref="RunAsync"/> ends with <paramref name="reason"/> and the transport reconnects.</summary>
    public void Abort(string reason)
    {
        _abortReason ??= reason;
        _closed.Cancel();
    }

    /// <summary>Says <paramref name="text"/> in the channel: one line per line of text, paced by the flood control.</summary>
    public async Task SayAsync(string text, CancellationToken cancellationToken)
    {
        foreach (var line in IrcTextSplitter.Split(text, TextBudget()))
        {
            await bucket.TakeAsync(cancellationToken);
            await SendAsync(IrcLine.Format("PRIVMSG", [options.Channel], line), cancellationToken);
        }
    }

    /// <summary>
    /// Waits until the server has read everything we sent: it answers a PING only after the lines before it.
    /// IRC has no other acknowledgement; without this, lines written into a connection that died unnoticed are lost.
    /// </summary>
    public async Task ConfirmAsync(CancellationToken cancellationToken)
    {
        var token = $"chatops-{Interlocked.Increment(ref _pingCounter)}";
        var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pongs[token] = pong;
        try
        {
            await SendAsync(IrcLine.Format("PING", [token]), cancellationToken);
            await pong.Task.WaitAsync(ConfirmTimeout, time, cancellationToken);
        }
        finally
        {
            _pongs.TryRemove(token, out _);
        }
    }

    /// <summary>Bytes of text that fit one PRIVMSG, as the server relays it to others (their copy carries our prefix).</summary>
    public int TextBudget()
    {
        var prefix = _hostmask is null ? Encoding.UTF8.GetByteCount(Nick) + UnknownUserHostBytes : 1 + Encoding.UTF8.GetByteCount(_hostmask) + 1;
        return 510 - prefix - Encoding.UTF8.GetByteCount($"PRIVMSG {options.Channel} :");
    }

    private Task SendAsync(string line, CancellationToken cancellationToken) => connection.WriteLineAsync(line, cancellationToken);

    private async Task HandleAsync(IrcMessage m, CancellationToken ct)
    {
        IrcLog.Received(logger, m.Command);
        _accounts.Observe(m);
        switch (m.Command)
        {
            case "PING":
                await SendAsync(IrcLine.Format("PONG", [], m.Param(0)), ct);
                break;
            case "PONG":
                foreach (var p in m.Params)
                {
                    if (_pongs.TryGetValue(p, out var pong)) pong.TrySetResult();
                }

                break;
            case "CAP":
                await HandleCapAsync(m, ct);
                break;
            case "AUTHENTICATE" when m.Param(0) == "+":
                await SendCredentialsAsync(ct);
                break;
            case "900":
                IrcLog.LoggedIn(logger, m.Param(2));
                break;
            case "903":
                await SendAsync("CAP END", ct);
                break;
            case "902" or "904" or "905" or "906" or "908":
                IrcLog.SaslFailed(logger, SaslAccount, m.Params.Count > 0 ? m.Params[^1] : m.Command);
                await SendAsync("CAP END", ct);
                break;
            case "001":
                _registered = true;
                Nick = m.Param(0);
                IrcLog.Registered(logger, Nick, options.Server);
                if (options.RequireAccount && !_accounts.CanIdentify) IrcLog.NoAccountSupport(logger, options.Server);
                await SendAsync(IrcLine.Format("JOIN", [options.Channel]), ct);
                break;
            case "433" or "432" when !_registered:
                var taken = m.Param(1);
                Nick = NextNick(++_nickAttempt);
                IrcLog.NickTaken(logger, taken, Nick, m.Command);
                await SendAsync(IrcLine.Format("NICK", [Nick]), ct);
                break;
            case "NICK" when IsMe(m.Nick):
                Nick = m.Param(0);
                break;
            case "JOIN" when IsMe(m.Nick) && IsOurChannel(m.Param(0)):
                _hostmask = m.Prefix;
                Joined = true;
                IrcLog.Joined(logger, options.Channel, Nick);
                onJoined(this);
                break;
            case "KICK" when IsOurChannel(m.Param(0)) && IsMe(m.Param(1)):
                Joined = false;
                IrcLog.Kicked(logger, options.Channel, m.Nick ?? "?", m.Param(2));
                _ = RejoinLaterAsync(ct);
                break;
            case "403" or "405" or "471" or "473" or "474" or "475" or "477" when IsOurChannel(m.Param(1)):
                IrcLog.JoinRefused(logger, options.Channel, m.Command, m.Params.Count > 0 ? m.Params[^1] : "");
                _ = RejoinLaterAsync(ct);
                break;
            case "404" or "442" when IsOurChannel(m.Param(1)):
                Interlocked.Increment(ref _refusedSends);
                IrcLog.CannotSend(logger, options.Channel, m.Command, m.Params.Count > 0 ? m.Params[^1] : "");
                break;
            case "PRIVMSG" when IsOurChannel(m.Param(0)) && !IsMe(m.Nick):
                await HandleChannelMessageAsync(m, ct);
                break;
            case "ERROR":
                IrcLog.ServerError(logger, m.Param(0));
                break;
        }
    }

    private async Task HandleCapAsync(IrcMessage m, CancellationToken ct)
    {
        switch (m.Param(1).ToUpperInvariant())
        {
            case "LS":
                // Multi-line LS: "CAP * LS * :caps…" until the last line without the "*".
                var more = m.Params.Count >= 4 && m.Param(2) == "*";
                _offeredCaps.AddRange(m.Params[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => c.Split('=', 2)[0]));
                if (more) break;
                var wanted = WantedCaps.Where(_offeredCaps.Contains).ToList();
                if (saslPassword is not null)
                {
                    if (_offeredCaps.Contains("sasl")) wanted.Add("sasl");
                    else IrcLog.SaslUnavailable(logger, options.Server);
                }

                await SendAsync(wanted.Count == 0 ? "CAP END" : IrcLine.Format("CAP", ["REQ"], string.Join(' ', wanted)), ct);
                break;
            case "ACK":
                var acked = m.Params[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                _accounts.AccountTag |= acked.Contains("account-tag");
                _accounts.AccountNotify |= acked.Contains("account-notify") && acked.Contains("extended-join");
                if (acked.Contains("sasl")) await SendAsync("AUTHENTICATE PLAIN", ct);
                else if (!_registered) await SendAsync("CAP END", ct);
                break;
            case "NAK":
                if (saslPassword is not null) IrcLog.SaslUnavailable(logger, options.Server);
                if (!_registered) await SendAsync("CAP END", ct);
                break;
        }
    }

    private string SaslAccount => string.IsNullOrEmpty(options.SaslAccount) ? options.Nick : options.SaslAccount;

    /// <summary>SASL PLAIN: base64 of <c>account NUL account NUL password</c>, in 400-byte pieces. Never logged.</summary>
    private async Task SendCredentialsAsync(CancellationToken ct)
    {
        var payload = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{SaslAccount}\0{SaslAccount}\0{saslPassword}"));
        for (var i = 0; i < payload.Length; i += 400) await SendAsync("AUTHENTICATE " + payload[i..Math.Min(i + 400, payload.Length)], ct);
        if (payload.Length % 400 == 0) await SendAsync("AUTHENTICATE +", ct);
    }

    private async Task HandleChannelMessageAsync(IrcMessage m, CancellationToken ct)
    {
        var text = Console.ConsoleChatTransport.Clean(m.Param(1));
        var nick = m.Nick ?? "";
        if (!text.StartsWith(commandPrefix, StringComparison.Ordinal) || m.Param(1).StartsWith('\u0001')) return;
        if (!options.RequireAccount)
        {
            onCommand(new ChatMessage(options.Channel, nick, nick, [], text));
            return;
        }

        if (_accounts.AccountOf(m) is { } account)
        {
            onCommand(new ChatMessage(options.Channel, account, account, [], text));
            return;
        }

        // One refusal per nick per minute: someone repeating a command should not make the bot flood the channel.
        var now = time.GetUtcNow();
        if (_refused.TryGetValue(nick, out var last) && now - last < TimeSpan.FromMinutes(1)) return;
        _refused[nick] = now;
        IrcLog.Unidentified(logger, nick);
        await SayAsync($"{nick}: commands here need a services account and you are not logged in; identify to services (e.g. /msg NickServ IDENTIFY) and try again", ct);
    }

    private async Task RejoinLaterAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), time, ct);
            if (!Joined) await SendAsync(IrcLine.Format("JOIN", [options.Channel]), ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The connection ended; the next one joins anyway.
        }
    }

    /// <summary><c>nick_</c>, <c>nick__</c>, <c>nick___</c>, then the nick with a number (a server may cap the length at 9).</summary>
    private string NextNick(int attempt) => attempt <= 3
        ? options.Nick + new string('_', attempt)
        : options.Nick[..Math.Min(options.Nick.Length, 6)] + Random.Shared.Next(100, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private bool IsMe(string? nick) => string.Equals(nick, Nick, StringComparison.OrdinalIgnoreCase);

    private bool IsOurChannel(string channel) => string.Equals(channel, options.Channel, StringComparison.OrdinalIgnoreCase);
}
