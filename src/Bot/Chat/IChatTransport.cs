namespace ChatOpsReconfig.Bot.Chat;

/// <summary>A chat network (console, Discord, IRC). The bot only ever talks to chat through this.</summary>
internal interface IChatTransport
{
    /// <summary>Longest message the transport accepts, in characters; formatting splits below it.</summary>
    int MaxMessageLength => Capabilities.MaxMessageLength;

    /// <summary>What the medium can show and do; renderers and the progress announcer read it.</summary>
    ChatCapabilities Capabilities { get; }

    /// <summary>The channel announcements go to.</summary>
    string DefaultChannel { get; }

    /// <summary>Messages people write, until the transport's input ends or the token is cancelled.</summary>
    IAsyncEnumerable<ChatMessage> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Posts; throws <see cref="ChatDeliveryException"/> when the message could not be delivered.</summary>
    Task<PostedMessage> PostAsync(string channel, string text, CancellationToken cancellationToken);

    /// <summary>Replaces the text of a posted message (progress); throws <see cref="ChatDeliveryException"/> on failure.</summary>
    Task EditAsync(PostedMessage message, string text, CancellationToken cancellationToken);
}

/// <summary>The transport could not deliver now (offline, rate limited, error); the outbox retries later.</summary>
internal sealed class ChatDeliveryException(string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>How a medium marks up text.</summary>
internal enum ChatMarkup
{
    /// <summary>Plain lines (console, IRC): tables as aligned text.</summary>
    Plain,

    /// <summary>Discord's Markdown: tables in code blocks, emphasis, mentions to neutralise.</summary>
    Markdown,
}

/// <summary>What a chat transport supports, declared by the transport itself.</summary>
/// <param name="MaxMessageLength">Longest message, in characters (IRC: the byte limit is the transport's own concern).</param>
/// <param name="Markup">How text is marked up.</param>
/// <param name="CanEdit">Whether posted messages can be edited (progress in place); without, progress is posted as milestones.</param>
/// <param name="Mentions">How the medium addresses a person so that they are told (<see cref="Address"/>).</param>
internal sealed record ChatCapabilities(int MaxMessageLength, ChatMarkup Markup, bool CanEdit, MentionSyntax Mentions)
{
    /// <summary>
    /// How a message addresses the user with <paramref name="id"/> and <paramref name="name"/>: the name on the console
    /// and on IRC (clients highlight their nick), <c>&lt;@id&gt;</c> on Discord (a numeric user id; else the name).
    /// </summary>
    public string Address(string id, string name) =>
        Mentions == MentionSyntax.DiscordUserId && id.Length is > 0 and <= 20 && id.All(char.IsAsciiDigit) ? $"<@{id}>" : name;
}

/// <summary>How a medium mentions a person.</summary>
internal enum MentionSyntax
{
    /// <summary>By name (the console: nobody to notify).</summary>
    Name,

    /// <summary>By nick, which IRC clients highlight.</summary>
    Nick,

    /// <summary><c>&lt;@id&gt;</c> with the Discord user id; the message allows a ping of exactly the ids the bot put there.</summary>
    DiscordUserId,
}
