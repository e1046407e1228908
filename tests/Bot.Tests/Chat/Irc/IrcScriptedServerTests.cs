using System.Net;
using System.Net.Sockets;
using System.Text;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Irc;
using ChatOpsReconfig.Bot.Hosting;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

/// <summary>
/// What ngIRCd cannot show: SASL PLAIN and services accounts (it has no services, no sasl / account-tag capability),
/// and a server that stops answering. These tests script a server on a loopback socket that speaks the IRCv3 wire
/// protocol line by line, as a server with services does (CAP LS/REQ/ACK, AUTHENTICATE, 900/903/904, account tags).
/// </summary>
public sealed class IrcScriptedServerTests : IAsyncLifetime
{
    private const string Password = "hunter2-not-for-logs";
    private readonly LogLines _logs = new();
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _passwordFile = Path.Combine(Path.GetTempPath(), "chatops-irc-sasl-" + Guid.NewGuid().ToString("N")[..8]);
    private IrcChatTransport? _bot;

    public Task InitializeAsync()
    {
        _listener.Start();
        return File.WriteAllTextAsync(_passwordFile, Password + "\n");
    }

    public async Task DisposeAsync()
    {
        if (_bot is not null)
        {
            await _bot.StopAsync(CancellationToken.None);
            _bot.Dispose();
        }

        _listener.Stop();
        File.Delete(_passwordFile);
    }

    [Fact]
    public async Task Sasl_LogsInWithThePasswordFromTheFile_AndAccountTagsBecomeTheIdentity()
    {
        await using var server = await StartAsync(requireAccount: true);

        Assert.Equal("CAP LS 302", await server.ExpectAsync("CAP"));
        await server.ExpectAsync("NICK");
        await server.ExpectAsync("USER");
        await server.SendAsync(":irc.test CAP * LS :multi-prefix sasl=PLAIN,EXTERNAL account-tag account-notify extended-join");
        Assert.Equal("CAP REQ :account-tag account-notify extended-join sasl", await server.ExpectAsync("CAP"));
        await server.SendAsync(":irc.test CAP * ACK :account-tag account-notify extended-join sasl");
        Assert.Equal("AUTHENTICATE PLAIN", await server.ExpectAsync("AUTHENTICATE"));
        await server.SendAsync("AUTHENTICATE +");
        var credentials = await server.ExpectAsync("AUTHENTICATE");
        Assert.Equal("chatops-acct\0chatops-acct\0" + Password, Encoding.UTF8.GetString(Convert.FromBase64String(credentials["AUTHENTICATE ".Length..])));
        await server.SendAsync(":irc.test 900 chatops chatops!c@h chatops-acct :You are now logged in as chatops-acct");
        await server.SendAsync(":irc.test 903 chatops :SASL authentication successful");
        Assert.Equal("CAP END", await server.ExpectAsync("CAP"));
        await server.SendAsync(":irc.test 001 chatops :Welcome");
        Assert.Equal("JOIN #releng", await server.ExpectAsync("JOIN"));
        await server.SendAsync(":chatops!c@h JOIN #releng chatops-acct :ChatOpsReconfig");
        await _logs.WaitForAsync("Joined #releng");

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var reader = _bot!.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        await server.SendAsync("@account=alice-acct;time=2026-12-01T04:00:00Z :alice!a@h PRIVMSG #releng :!deploy now");
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(("alice-acct", "alice-acct", "!deploy now"), (reader.Current.AuthorId, reader.Current.AuthorName, reader.Current.Text));

        // An untagged message with account-tag on: not logged in, refused in the channel, not handed to the bot.
        var next = reader.MoveNextAsync().AsTask();
        await server.SendAsync(":mallory!m@h PRIVMSG #releng :!deploy now");
        var refusal = await server.ExpectAsync("PRIVMSG");
        Assert.StartsWith("PRIVMSG #releng :mallory: commands here need a services account", refusal, StringComparison.Ordinal);
        Assert.False(next.IsCompleted);

        Assert.DoesNotContain(_logs.Lines, l => l.Contains(Password, StringComparison.Ordinal) || l.Contains(credentials, StringComparison.Ordinal));
        await cts.CancelAsync();
        Assert.False(await next);
        await reader.DisposeAsync();
    }

    [Fact]
    public async Task Sasl_WrongPassword_LoggedAsAnError_BotCarriesOnWithoutLogin()
    {
        await using var server = await StartAsync(requireAccount: false);
        await server.ExpectAsync("CAP");
        await server.ExpectAsync("NICK");
        await server.ExpectAsync("USER");
        await server.SendAsync(":irc.test CAP * LS :sasl");
        Assert.Equal("CAP REQ :sasl", await server.ExpectAsync("CAP"));
        await server.SendAsync(":irc.test CAP * ACK :sasl");
        await server.ExpectAsync("AUTHENTICATE");
        await server.SendAsync("AUTHENTICATE +");
        await server.ExpectAsync("AUTHENTICATE");
        await server.SendAsync(":irc.test 904 chatops :SASL authentication failed");
        Assert.Equal("CAP END", await server.ExpectAsync("CAP"));
        var error = await _logs.WaitForAsync("SASL login as chatops-acct failed");
        Assert.StartsWith("Error", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error, StringComparison.Ordinal);
        await server.SendAsync(":irc.test 001 chatops :Welcome");
        Assert.Equal("JOIN #releng", await server.ExpectAsync("JOIN"));
    }

    [Fact]
    public async Task SilentServer_UnansweredPing_PostFailsForTheOutboxToRetry_AndTheBotReconnects()
    {
        var time = new WatchedTimeProvider(new DateTimeOffset(2026, 12, 1, 4, 0, 0, TimeSpan.Zero));
        await using var server = await StartAsync(requireAccount: false, sasl: false, time);
        await server.ExpectAsync("USER");
        await server.SendAsync(":irc.test CAP * LS :multi-prefix");
        Assert.Equal("CAP END", await server.ExpectAsync("CAP"));
        await server.SendAsync(":irc.test 001 chatops :Welcome");
        await server.ExpectAsync("JOIN");
        await server.SendAsync(":chatops!c@h JOIN #releng");
        await _logs.WaitForAsync("Joined #releng");

        var confirmWait = time.NextTimer(IrcSession.ConfirmTimeout, IrcSession.ConfirmTimeout);
        var post = _bot!.PostAsync("#releng", "hello", CancellationToken.None);
        Assert.Equal("PRIVMSG #releng :hello", await server.ExpectAsync("PRIVMSG"));
        await server.ExpectAsync("PING"); // … and the server never answers
        await confirmWait;
        var reconnectWait = time.NextTimer(TimeSpan.FromSeconds(0.7), TimeSpan.FromSeconds(1.3));
        time.Advance(IrcSession.ConfirmTimeout);

        var ex = await Assert.ThrowsAsync<ChatDeliveryException>(() => post);
        Assert.Contains("lost while sending", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sending failed", await _logs.WaitForAsync("Disconnected from IRC"), StringComparison.Ordinal);

        await reconnectWait;
        time.Advance(TimeSpan.FromSeconds(1.3));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var again = new ScriptedServer(await _listener.AcceptTcpClientAsync(cts.Token));
        Assert.Equal("CAP LS 302", await again.ExpectAsync("CAP"));
    }

    private async Task<ScriptedServer> StartAsync(bool requireAccount, bool sasl = true, TimeProvider? time = null)
    {
        var options = new IrcOptions
        {
            Server = "127.0.0.1", Port = ((IPEndPoint)_listener.LocalEndpoint).Port, Tls = false, Channel = "#releng",
            SaslAccount = "chatops-acct", SaslPasswordFile = sasl ? _passwordFile : null, SaslPasswordEnv = "CHATOPS_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..8],
            RequireAccount = requireAccount, MessagesPerSecond = 50, Burst = 50,
        };
        _bot = new IrcChatTransport(options, new ChatOptions { Transport = "irc", Irc = options }, time ?? TimeProvider.System, _logs.For<IrcChatTransport>());
        await _bot.StartAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return new ScriptedServer(await _listener.AcceptTcpClientAsync(cts.Token));
    }

    /// <summary>The server side of one connection: the test reads what the bot sends and answers line by line.</summary>
    private sealed class ScriptedServer(TcpClient client) : IAsyncDisposable
    {
        private readonly NetworkStream _stream = client.GetStream();
        private readonly StreamReader _reader = new(client.GetStream(), new UTF8Encoding(false));

        /// <summary>The next line the bot sends with <paramref name="command"/>, skipping PONGs and other commands.</summary>
        public async Task<string> ExpectAsync(string command)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (true)
            {
                var line = await _reader.ReadLineAsync(cts.Token);
                Assert.NotNull(line);
                if (IrcMessage.Parse(line)?.Command == command) return line;
            }
        }

        public Task SendAsync(string line) => _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n")).AsTask();

        public ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
