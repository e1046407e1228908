using System.Text;
using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Irc;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

/// <summary>The IRC transport against a real ngIRCd, with a raw client in the channel as the person talking to the bot.</summary>
public sealed class IrcChatTransportTests : IAsyncLifetime
{
    private const string Channel = "#releng";
    private readonly LogLines _logs = new();
    private readonly List<IAsyncDisposable> _cleanup = [];
    private NgircdServer _server = null!;

    public async Task InitializeAsync() => _server = await NgircdServer.StartNewAsync();

    public async Task DisposeAsync()
    {
        foreach (var d in Enumerable.Reverse(_cleanup)) await d.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Start_ConnectsRegistersAndJoinsTheChannel()
    {
        var alice = await PersonAsync("alice");
        var from = alice.Count;
        var bot = await StartBotAsync();

        var join = await alice.WaitForAsync(m => m.Command == "JOIN" && m.Nick == "chatops", from);
        Assert.Equal(Channel, join.Message.Param(0));
        Assert.Equal(Channel, bot.DefaultChannel);
        Assert.Equal(new ChatCapabilities(IrcChatTransport.MaxMessageChars, ChatMarkup.Plain, CanEdit: false, MentionSyntax.Nick), bot.Capabilities);
    }

    [Fact]
    public async Task ChannelCommand_ReachesTheBotAsTheNick_AndTheReplyArrivesOneLinePerRow()
    {
        var alice = await PersonAsync("alice");
        var bot = await StartJoinedBotAsync(alice);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var reader = bot.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        await alice.SayAsync(Channel, "just chatting, not a command");
        await alice.SayAsync(Channel, "!status bm01");
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(new ChatMessage(Channel, "alice", "alice", [], "!status bm01"), reader.Current with { AuthorRoles = [] });
        Assert.Empty(reader.Current.AuthorRoles);

        var from = alice.Count;
        var table = "host  result\n----  ------\nbm01  ok\n\nbm02  failed";
        await bot.PostAsync(Channel, table, cts.Token);
        await alice.WaitForMessageAsync("chatops", t => t.StartsWith("bm02", StringComparison.Ordinal), from);
        Assert.Equal(["host  result", "----  ------", "bm01  ok", "bm02  failed"], alice.MessagesFrom("chatops", from));
        await reader.DisposeAsync();
    }

    [Fact]
    public async Task Post_CrLfInText_IsNeverARawCommand()
    {
        var alice = await PersonAsync("alice");
        var bot = await StartJoinedBotAsync(alice);
        var from = alice.Count;

        await bot.PostAsync(Channel, "hello\r\nQUIT :injected\rPRIVMSG alice :sneaky\u0000NICK evil", CancellationToken.None);

        await alice.WaitForMessageAsync("chatops", t => t.Contains("sneaky", StringComparison.Ordinal), from);
        Assert.Equal(["hello", "QUIT :injectedPRIVMSG alice :sneakyNICK evil"], alice.MessagesFrom("chatops", from));
        Assert.DoesNotContain(alice.Lines.Skip(from), l => l.Message.Command is "QUIT" or "NICK");
        Assert.NotNull(bot.Current);
    }

    [Fact]
    public async Task Post_LongMultiByteText_IsSplitUnder512BytesOnCharacterBoundaries()
    {
        var alice = await PersonAsync("alice");
        var bot = await StartJoinedBotAsync(alice);
        var from = alice.Count;
        // 2-, 3- and 4-byte UTF-8 (the last a surrogate pair in .NET) and no spaces: every cut is forced mid-text.
        var text = string.Concat(Enumerable.Repeat("äö€漢😀", 300)) + "END";

        await bot.PostAsync(Channel, text, CancellationToken.None);

        await alice.WaitForMessageAsync("chatops", t => t.EndsWith("END", StringComparison.Ordinal), from);
        var lines = alice.Lines.Skip(from).Where(l => l.Message.Command == "PRIVMSG" && l.Message.Nick == "chatops").ToList();
        Assert.True(lines.Count >= 10, $"{lines.Count} lines");
        Assert.All(lines, l => Assert.True(l.WireBytes <= 512, $"{l.WireBytes} bytes: {l.Raw}"));
        Assert.All(lines, l => Assert.DoesNotContain('\uFFFD', l.Message.Param(1)));
        Assert.Equal(text, string.Concat(lines.Select(l => l.Message.Param(1))));
    }

    [Fact]
    public async Task NickInUse_FallsBackToUnderscores()
    {
        var alice = await PersonAsync("alice");
        var squatter = await PersonAsync("chatops");
        var second = await PersonAsync("chatops_");
        var from = alice.Count;

        var bot = await StartBotAsync();

        await alice.WaitForAsync(m => m.Command == "JOIN" && m.Nick == "chatops__", from);
        await _logs.WaitForAsync("Nick chatops_ is not available");
        var posted = alice.Count;
        await bot.PostAsync(Channel, "still here", CancellationToken.None);
        await alice.WaitForMessageAsync("chatops__", t => t == "still here", posted);
        Assert.Equal(["still here"], alice.MessagesFrom("chatops__", posted));
        Assert.NotNull(squatter);
        Assert.NotNull(second);
    }

    [Fact]
    public async Task ManyLines_ArePacedByTheTokenBucket()
    {
        var alice = await PersonAsync("alice");
        var bot = await StartJoinedBotAsync(alice, o => { o.MessagesPerSecond = 10; o.Burst = 3; });
        var from = alice.Count;
        var text = string.Join('\n', Enumerable.Range(1, 13).Select(i => $"line {i}"));

        // Timed from before the post (alice stamps a line when her reader gets to it, which a busy machine can delay
        // for the first line as much as for the last): a lower bound no delay can shrink.
        var posted = DateTimeOffset.UtcNow;
        await bot.PostAsync(Channel, text, CancellationToken.None);

        var last = await alice.WaitForMessageAsync("chatops", t => t == "line 13", from);
        // 3 at once, then 10 more at 10 per second: the last cannot arrive sooner than ~1 s after the post.
        var spread = last.At - posted;
        Assert.True(spread >= TimeSpan.FromSeconds(0.9), $"13 lines within {spread.TotalMilliseconds:0} ms");
        Assert.Equal(Enumerable.Range(1, 13).Select(i => $"line {i}"), alice.MessagesFrom("chatops", from));
        Assert.DoesNotContain(_logs.Lines, l => l.Contains("Disconnected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerKilledAndRestarted_BotRejoins_QueuedMessagesDeliveredInOrderOnce()
    {
        var time = new WatchedTimeProvider(new DateTimeOffset(2026, 12, 1, 4, 0, 0, TimeSpan.Zero));
        var alice = await PersonAsync("alice");
        var bot = await StartJoinedBotAsync(alice, time: time);
        var dir = Directory.CreateTempSubdirectory("chatops-irc-outbox-").FullName;
        var db = new StoreDatabase(Path.Combine(dir, "chatops.db"));
        var outbox = new ChatOutbox(new LiteOutboxStore(db, time));
        var sender = new OutboxSender(outbox, bot, time, _logs.For<OutboxSender>());
        await sender.StartAsync(CancellationToken.None);
        _cleanup.Add(new Disposer(async () =>
        {
            await sender.StopAsync(CancellationToken.None);
            db.Dispose();
            Directory.Delete(dir, recursive: true);
        }));

        await outbox.EnqueueAsync(Channel, "before the outage");
        await alice.WaitForMessageAsync("chatops", t => t == "before the outage", 0);
        // Delivered only once the server's PONG is back; killing the server before that would (rightly) repeat it.
        await WaitUntilAsync(async () => await outbox.PendingCountAsync() == 0);

        var backoff = time.NextTimer(TimeSpan.FromSeconds(0.7), TimeSpan.FromSeconds(1.3)); // the first reconnect delay, 1 s ± 20%
        await _server.KillAsync();
        await _logs.WaitForAsync("Disconnected from IRC");
        for (var i = 1; i <= 5; i++) await outbox.EnqueueAsync(Channel, $"queued {i} while down");

        await _server.StartAsync();
        await alice.DisposeAsync();
        alice = await PersonAsync("alice");
        var from = alice.Count;
        await backoff; // the bot waits for its reconnect delay on the fake clock
        time.Advance(TimeSpan.FromSeconds(1.5));

        await alice.WaitForAsync(m => m.Command == "JOIN" && m.Nick == "chatops", from);
        await alice.WaitForMessageAsync("chatops", t => t == "queued 5 while down", from);
        await outbox.EnqueueAsync(Channel, "after the outage");
        await alice.WaitForMessageAsync("chatops", t => t == "after the outage", from);
        Assert.Equal(
            [.. Enumerable.Range(1, 5).Select(i => $"queued {i} while down"), "after the outage"],
            alice.MessagesFrom("chatops", from));
        await WaitUntilAsync(async () => await outbox.PendingCountAsync() == 0);
    }

    [Fact]
    public async Task RequireAccount_UserWithoutServicesLogin_IsRefusedWithAClearLine()
    {
        // ngIRCd has no services: it offers neither account-tag nor account-notify, so nobody is logged in.
        var alice = await PersonAsync("alice");
        var bot = await StartJoinedBotAsync(alice, o => o.RequireAccount = true);
        await _logs.WaitForAsync("offers neither account-tag nor account-notify");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var reader = bot.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var next = reader.MoveNextAsync().AsTask();
        var from = alice.Count;

        await alice.SayAsync(Channel, "!deploy now");

        var refusal = await alice.WaitForMessageAsync("chatops", _ => true, from);
        Assert.Equal("alice: commands here need a services account and you are not logged in; identify to services (e.g. /msg NickServ IDENTIFY) and try again", refusal.Message.Param(1));
        Assert.False(next.IsCompleted, "the command must not reach the bot");
        await cts.CancelAsync();
        Assert.False(await next);
    }

    [Fact]
    public async Task Stop_QuitsAndPostsFailAsNotDelivered()
    {
        var alice = await PersonAsync("alice");
        var bot = await StartJoinedBotAsync(alice);
        var from = alice.Count;

        await bot.StopAsync(CancellationToken.None);

        await alice.WaitForAsync(m => m.Command == "QUIT" && m.Nick == "chatops", from);
        var ex = await Assert.ThrowsAsync<ChatDeliveryException>(() => bot.PostAsync(Channel, "too late", CancellationToken.None));
        Assert.Contains("not connected to IRC 127.0.0.1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_TrustedCertificate_Joins_UntrustedCertificate_Refused()
    {
        await using var tlsServer = await NgircdServer.StartNewAsync(tls: true);
        var alice = await RawIrcClient.ConnectAsync(tlsServer.Port, "alice");
        _cleanup.Add(alice);
        await alice.JoinAsync(Channel);

        // The self-signed certificate is not in the system's trust store: no connection, and the log says why.
        var untrusted = await StartBotAsync(o => { o.Port = tlsServer.TlsPort!.Value; o.Tls = true; o.Nick = "untrusted"; });
        var refused = await _logs.WaitForAsync("Disconnected from IRC");
        Assert.Contains("certificate", refused, StringComparison.OrdinalIgnoreCase);
        Assert.Null(untrusted.Current);

        var bot = await StartBotAsync(o => { o.Port = tlsServer.TlsPort!.Value; o.Tls = true; o.TlsCertificateFile = tlsServer.CertificateFile; });
        await alice.WaitForAsync(m => m.Command == "JOIN" && m.Nick == "chatops", 0);
        await _logs.WaitForAsync("Joined #releng");
        var from = alice.Count;
        await bot.PostAsync(Channel, "over TLS", CancellationToken.None);
        await alice.WaitForMessageAsync("chatops", t => t == "over TLS", from);
        Assert.Equal(["over TLS"], alice.MessagesFrom("chatops", from));
        Assert.DoesNotContain(alice.Lines, l => l.Message.Command == "JOIN" && l.Message.Nick == "untrusted");
    }

    private async Task<RawIrcClient> PersonAsync(string nick)
    {
        var client = await RawIrcClient.ConnectAsync(_server.Port, nick);
        await client.JoinAsync(Channel);
        _cleanup.Add(client);
        return client;
    }

    private async Task<IrcChatTransport> StartBotAsync(Action<IrcOptions>? edit = null, TimeProvider? time = null)
    {
        var options = new IrcOptions { Server = "127.0.0.1", Port = _server.Port, Tls = false, Channel = Channel, MessagesPerSecond = 50, Burst = 50 };
        edit?.Invoke(options);
        var bot = new IrcChatTransport(options, new ChatOptions { Transport = "irc", Irc = options }, time ?? TimeProvider.System, _logs.For<IrcChatTransport>());
        await bot.StartAsync(CancellationToken.None);
        _cleanup.Add(new Disposer(async () =>
        {
            await bot.StopAsync(CancellationToken.None);
            bot.Dispose();
        }));
        return bot;
    }

    private async Task<IrcChatTransport> StartJoinedBotAsync(RawIrcClient witness, Action<IrcOptions>? edit = null, TimeProvider? time = null)
    {
        var from = witness.Count;
        var bot = await StartBotAsync(edit, time);
        await witness.WaitForAsync(m => m.Command == "JOIN" && m.Nick is not null && m.Nick.StartsWith("chatops", StringComparison.Ordinal), from);
        await _logs.WaitForAsync("Joined #releng");
        return bot;
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            try
            {
                await Task.Delay(10, cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail("condition not met within 20 s");
            }
        }
    }

    private sealed class Disposer(Func<Task> dispose) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await dispose();
    }
}
