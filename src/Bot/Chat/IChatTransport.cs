namespace ChatOpsReconfig.Bot.Chat;

/// <summary>A chat network (console, Discord, IRC). The bot only ever talks to chat through this.</summary>
internal interface IChatTransport
{
    /// <summary>Longest message the transport accepts, in characters; formatting splits below it.</summary>
    int MaxMessageLength { get; }

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
