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
/// <param name="Networked">Whether identities come from a network (user ids, roles) rather than the console.</param>
internal sealed record ChatCapabilities(int MaxMessageLength, ChatMarkup Markup, bool CanEdit, bool Networked);
