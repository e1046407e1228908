namespace ChatOpsReconfig.Bot.Chat;

/// <summary>One message someone wrote in a channel.</summary>
internal sealed record ChatMessage(
    string Channel,
    string AuthorId,
    string AuthorName,
    IReadOnlyList<string> AuthorRoles,
    string Text);

/// <summary>A message the bot posted, as the transport knows it (for later edits).</summary>
internal sealed record PostedMessage(string Channel, string Id);
