using System.Threading.Channels;
using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Chat.Discord;
using ChatOpsReconfig.Bot.Tests.Web;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Tests.Chat.Discord;

/// <summary>
/// The bot's Discord transport pointed at a <see cref="FakeDiscord"/>, reading messages into a queue the test takes
/// from, with its log captured (tests wait on log lines, never on time passing).
/// </summary>
public sealed class DiscordClient : IAsyncDisposable
{
    public const string Token = "MTAxNTk.fake.bot-token-for-tests";

    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<ChatMessage> _messages = Channel.CreateUnbounded<ChatMessage>();
    private readonly string _dir;
    private Task? _reading;

    private DiscordClient(FakeDiscord fake, TimeProvider time, DiscordGatewayTiming timing)
    {
        Fake = fake;
        _dir = Directory.CreateTempSubdirectory("chatops-discord-").FullName;
        File.WriteAllText(Path.Combine(_dir, "token"), Token + "\n");
        Options = new DiscordOptions
        {
            TokenEnv = "CHATOPS_TEST_UNSET_DISCORD_TOKEN",
            TokenFile = Path.Combine(_dir, "token"),
            ApiBase = fake.ApiBase,
            GuildId = FakeDiscord.GuildId,
            ChannelId = FakeDiscord.ChannelId,
        };
        Transport = new DiscordChatTransport(Options, "!", time, LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug)), timing);
    }

    public FakeDiscord Fake { get; }

    public CapturedLogs Logs { get; } = new();

    internal DiscordOptions Options { get; }

    internal DiscordChatTransport Transport { get; }

    /// <summary>Short waits, so reconnect tests finish in milliseconds; jitter fixed where a test says so.</summary>
    internal static DiscordGatewayTiming FastTiming(Func<double>? random = null) => new()
    {
        ReconnectBase = TimeSpan.FromMilliseconds(20),
        ReconnectCap = TimeSpan.FromMilliseconds(200),
        IdentifySpacing = TimeSpan.FromMilliseconds(50),
        InvalidSessionMin = TimeSpan.FromMilliseconds(10),
        InvalidSessionMax = TimeSpan.FromMilliseconds(30),
        Random = random ?? Random.Shared.NextDouble,
    };

    /// <summary>A transport on the fake, reading from the gateway.</summary>
    internal static DiscordClient Start(FakeDiscord fake, TimeProvider? time = null, DiscordGatewayTiming? timing = null)
    {
        var client = new DiscordClient(fake, time ?? TimeProvider.System, timing ?? FastTiming());
        client._reading = client.ReadAsync();
        return client;
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var m in Transport.ReadAsync(_stop.Token)) await _messages.Writer.WriteAsync(m);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The next message the transport passed on to the bot; fails after 20 s.</summary>
    internal async Task<ChatMessage> NextMessageAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            return await _messages.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no chat message from the transport within 20 s");
        }
    }

    /// <summary>Whether the transport's reading ended (it must not: the bot would stop).</summary>
    public bool ReadingEnded => _reading?.IsCompleted ?? false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_reading is not null) await _reading;
        await Transport.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>Waiting for a log line in <see cref="CapturedLogs"/>.</summary>
public static class CapturedLogsWaits
{
    public static Task<string> WaitForAsync(this CapturedLogs logs, string contains) =>
        logs.WaitForAsync(l => l.Message.Contains(contains, StringComparison.Ordinal), contains);

    /// <summary>The first line matching; fails after 20 s.</summary>
    public static async Task<string> WaitForAsync(this CapturedLogs logs, Func<(LogLevel Level, int EventId, string Message), bool> match, string what)
    {
        string? found = null;
        await FakeDiscord.Until(() => (found = logs.Entries.FirstOrDefault(match).Message) is not null, $"log line '{what}'; have:\n{string.Join('\n', logs.Messages)}");
        return found!;
    }
}
