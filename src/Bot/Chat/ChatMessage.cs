namespace ChatOpsReconfig.Bot.Chat;

/// <summary>One message someone wrote in a channel.</summary>
/// <param name="Channel">Where it was written.</param>
/// <param name="AuthorId">Who wrote it, as permissions know them (console name, Discord user id).</param>
/// <param name="AuthorName">The author's name, for show.</param>
/// <param name="AuthorRoles">Chat roles (Discord role ids) for permissions.</param>
/// <param name="Text">What was written.</param>
/// <param name="ReplyTo">Where the reply goes when not to <paramref name="Channel"/> (a Discord slash command's answer); the transport understands it.</param>
internal sealed record ChatMessage(
    string Channel,
    string AuthorId,
    string AuthorName,
    IReadOnlyList<string> AuthorRoles,
    string Text,
    string? ReplyTo = null);

/// <summary>A message the bot posted, as the transport knows it (for later edits).</summary>
internal sealed record PostedMessage(string Channel, string Id);
