using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using ChatOpsReconfig.Bot.Chat.Console;
using ChatOpsReconfig.Bot.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Chat.Discord;

/// <summary>
/// Discord as the bot's chat: <c>!</c> commands from MESSAGE_CREATE in the configured channel and slash commands
/// (INTERACTION_CREATE) in the configured guild, both as <see cref="ChatMessage"/>s for the router; posts and edits
/// over REST. Identity is the Discord user id; roles are the member's role ids. A slash command is acknowledged at
/// once ("thinking…") and its reply, which reaches <see cref="PostAsync"/> through the outbox with
/// <see cref="ChatMessage.ReplyTo"/> as its channel, fills that answer.
/// </summary>
internal sealed partial class DiscordChatTransport : IChatTransport, IAsyncDisposable
{
    /// <summary>Marks an outbox channel that is an interaction's answer (<c>interaction:{id}</c>).</summary>
    public const string InteractionChannelPrefix = "interaction:";

    /// <summary>An interaction token lasts 15 minutes; later answers go to the channel instead.</summary>
    private static readonly TimeSpan InteractionLifetime = TimeSpan.FromMinutes(14);

    /// <summary>Fences added around tables may push a full chunk past 2,000; splitting this much lower keeps most chunks one message.</summary>
    internal const int SplitLength = DiscordRest.MaxContentLength - 40;

    private readonly DiscordOptions _options;
    private readonly string _prefix;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly DiscordRest _rest;
    private readonly DiscordGateway _gateway;
    private readonly ConcurrentDictionary<string, InteractionReply> _interactions = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _registering;

    public DiscordChatTransport(DiscordOptions options, string prefix, TimeProvider time, ILoggerFactory loggers, DiscordGatewayTiming? timing = null)
    {
        _options = options;
        _prefix = prefix;
        _time = time;
        _logger = loggers.CreateLogger<DiscordChatTransport>();
        var (token, error) = DiscordToken.Load(options);
        if (token is null) throw new InvalidOperationException($"chat.discord.{error}");
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(options.ApiBase.TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        var limits = new DiscordRateLimits(time);
        _rest = new DiscordRest(_http, token, limits, loggers.CreateLogger<DiscordRest>());
        _gateway = new DiscordGateway(_rest, token, timing ?? new DiscordGatewayTiming(), time, loggers.CreateLogger<DiscordGateway>());
    }

    public ChatCapabilities Capabilities { get; } = new(DiscordRest.MaxContentLength, ChatMarkup.Markdown, CanEdit: true, MentionSyntax.DiscordUserId);

    /// <summary>Below the 2,000 of <see cref="Capabilities"/>: room for the code fences <see cref="DiscordText"/> adds.</summary>
    public int MaxMessageLength => SplitLength;

    public string DefaultChannel => _options.ChannelId;

    /// <summary>Why the gateway stopped for good (fatal close code), or null while it runs.</summary>
    public string? GatewayFailure => _gateway.FatalReason;

    public async IAsyncEnumerable<ChatMessage> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var run = _gateway.RunAsync(linked.Token);
        await foreach (var e in _gateway.Events.ReadAllAsync(cancellationToken))
        {
            ChatMessage? message;
            try
            {
                message = Handle(e);
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException)
            {
                // An event of a shape we do not expect is skipped, not allowed to end the chat (and the bot).
                Log.EventSkipped(_logger, e.Type, ex.Message);
                continue;
            }

            if (message is not null) yield return message;
        }

        await run;
        // The gateway stopped on a fatal close code (logged with its fix). Input ending would stop the bot; its other
        // duties (policy, rollouts, web, announcements to the outbox) carry on until it is stopped.
        try
        {
            await Task.Delay(Timeout.Infinite, linked.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private ChatMessage? Handle(GatewayEvent e)
    {
        switch (e.Type)
        {
            case "READY":
                if (Interlocked.Exchange(ref _registering, 1) == 0) _ = RegisterCommandsAsync(_gateway.ApplicationId, _stopping.Token);
                return null;
            case "MESSAGE_CREATE":
                return FromMessage(e.Data);
            case "INTERACTION_CREATE":
                return FromInteraction(e.Data);
            default:
                return null;
        }
    }

    private ChatMessage? FromMessage(JsonElement d)
    {
        if (Text(d, "channel_id") != _options.ChannelId || d.TryGetProperty("webhook_id", out _)) return null;
        if (!d.TryGetProperty("author", out var author)) return null;
        var authorId = Text(author, "id");
        if (authorId is null || authorId == _gateway.UserId) return null;
        if (author.TryGetProperty("bot", out var bot) && bot.ValueKind == JsonValueKind.True) return null;
        var content = ConsoleChatTransport.Clean((Text(d, "content") ?? "").Replace('\n', ' '));
        if (content.Length == 0) return null;
        return new ChatMessage(_options.ChannelId, authorId, Name(author), Roles(d), content);
    }

    private ChatMessage? FromInteraction(JsonElement d)
    {
        // Type 2 = APPLICATION_COMMAND; only the configured guild's (DMs have no member and no roles to check).
        if (!d.TryGetProperty("type", out var type) || type.GetInt32() != 2 || Text(d, "guild_id") != _options.GuildId) return null;
        if (!d.TryGetProperty("member", out var member) || !member.TryGetProperty("user", out var user)) return null;
        var id = Text(d, "id");
        var token = Text(d, "token");
        var userId = Text(user, "id");
        var applicationId = Text(d, "application_id") ?? _gateway.ApplicationId;
        if (id is null || token is null || userId is null || applicationId is null || !d.TryGetProperty("data", out var data)) return null;

        // Acknowledge now: the answer must start within 3 s, and commands can take longer.
        var reply = new InteractionReply(applicationId, token, _time.GetUtcNow(), _rest.DeferInteractionAsync(id, token, _stopping.Token));
        _interactions[id] = reply;
        var line = ConsoleChatTransport.Clean(DiscordSlashCommands.ToCommandLine(data, _prefix));
        return new ChatMessage(Text(d, "channel_id") ?? _options.ChannelId, userId, Name(user), Roles(d), line, InteractionChannelPrefix + id);
    }

    /// <summary>
    /// The unique username (since 2023), not the nickname or global display name, which anyone can set to a
    /// deployer's name: <see cref="Commands.Permissions"/> also matches configured names against it.
    /// </summary>
    private static string Name(JsonElement user) => Text(user, "username") ?? Text(user, "id") ?? "?";

    private static IReadOnlyList<string> Roles(JsonElement d) =>
        d.TryGetProperty("member", out var member) && member.TryGetProperty("roles", out var roles) && roles.ValueKind == JsonValueKind.Array
            ? roles.EnumerateArray().Select(r => r.GetString()).OfType<string>().ToArray()
            : [];

    public async Task<PostedMessage> PostAsync(string channel, string text, CancellationToken cancellationToken)
    {
        var parts = DiscordText.Split(DiscordText.Format(text));
        PostedMessage? posted = null;
        foreach (var part in parts) posted = await PostPartAsync(channel, part, cancellationToken);
        return posted!;
    }

    private async Task<PostedMessage> PostPartAsync(string channel, string text, CancellationToken ct)
    {
        if (!channel.StartsWith(InteractionChannelPrefix, StringComparison.Ordinal))
            return new PostedMessage(channel, await _rest.CreateMessageAsync(channel, text, ct));

        var id = channel[InteractionChannelPrefix.Length..];
        if (!_interactions.TryGetValue(id, out var reply) || _time.GetUtcNow() - reply.ReceivedAt > InteractionLifetime)
        {
            // Restarted since, or too late for the interaction's token: say it in the channel.
            _interactions.TryRemove(id, out _);
            return new PostedMessage(_options.ChannelId, await _rest.CreateMessageAsync(_options.ChannelId, text, ct));
        }

        try
        {
            await reply.Deferred;
        }
        catch (ChatDeliveryException ex)
        {
            Log.DeferFailed(_logger, ex.Message);
            _interactions.TryRemove(id, out _);
            return new PostedMessage(_options.ChannelId, await _rest.CreateMessageAsync(_options.ChannelId, text, ct));
        }

        var (messageId, channelId) = reply.Answered
            ? await _rest.FollowUpAsync(reply.ApplicationId, reply.Token, text, ct)
            : await _rest.EditOriginalAsync(reply.ApplicationId, reply.Token, text, ct);
        reply.Answered = true;
        return new PostedMessage(channelId, messageId);
    }

    public async Task EditAsync(PostedMessage message, string text, CancellationToken cancellationToken)
    {
        var parts = DiscordText.Split(DiscordText.Format(text));
        // A progress line is short; should one grow past the limit, its start is the part worth keeping.
        await _rest.EditMessageAsync(message.Channel, message.Id, parts[0], cancellationToken);
    }

    /// <summary>Registers the slash commands for the guild unless they are already registered as they are.</summary>
    private async Task RegisterCommandsAsync(string? applicationId, CancellationToken ct)
    {
        if (applicationId is null) return;
        for (var attempt = 1; attempt <= 5 && !ct.IsCancellationRequested; attempt++)
        {
            try
            {
                using (var registered = await _rest.GetGuildCommandsAsync(applicationId, _options.GuildId, ct))
                {
                    if (DiscordSlashCommands.Match(registered.RootElement))
                    {
                        Log.CommandsUnchanged(_logger, DiscordSlashCommands.All.Count);
                        return;
                    }
                }

                await _rest.PutGuildCommandsAsync(applicationId, _options.GuildId, DiscordSlashCommands.Definitions(), ct);
                Log.CommandsRegistered(_logger, DiscordSlashCommands.All.Count, _options.GuildId);
                return;
            }
            catch (ChatDeliveryException ex)
            {
                Log.RegisterFailed(_logger, ex.Message);
                if (_rest.Unauthorized) return;
                try { await Task.Delay(ex.RetryAfter ?? TimeSpan.FromSeconds(10 * attempt), _time, ct); }
                catch (OperationCanceledException) { return; }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _http.Dispose();
        _stopping.Dispose();
    }

    /// <summary>A slash command awaiting its answer: the acknowledgement under way, and whether the first answer is in.</summary>
    private sealed class InteractionReply(string applicationId, string token, DateTimeOffset receivedAt, Task deferred)
    {
        public string ApplicationId { get; } = applicationId;

        public string Token { get; } = token;

        public DateTimeOffset ReceivedAt { get; } = receivedAt;

        public Task Deferred { get; } = deferred;

        public bool Answered { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(301, LogLevel.Information, "Discord slash commands already registered ({Count}); not overwritten")]
        public static partial void CommandsUnchanged(ILogger logger, int count);

        [LoggerMessage(302, LogLevel.Information, "Discord slash commands registered ({Count}) for guild {GuildId}")]
        public static partial void CommandsRegistered(ILogger logger, int count, string guildId);

        [LoggerMessage(303, LogLevel.Warning, "Discord slash command registration failed: {Reason}")]
        public static partial void RegisterFailed(ILogger logger, string reason);

        [LoggerMessage(305, LogLevel.Warning, "Discord {Type} event skipped: {Reason}")]
        public static partial void EventSkipped(ILogger logger, string type, string reason);

        [LoggerMessage(304, LogLevel.Warning, "Discord did not take the acknowledgement of a slash command ({Reason}); the answer goes to the channel")]
        public static partial void DeferFailed(ILogger logger, string reason);
    }
}
