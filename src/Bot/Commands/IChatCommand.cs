using ChatOpsReconfig.Bot.Chat;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary>
/// One chat command. Commands are registered in DI and found by the router, so a feature adds its commands
/// without touching the router. Help text lives here, next to the code it describes.
/// </summary>
internal interface IChatCommand
{
    /// <summary>Lower-case name without prefix, e.g. <c>status</c>.</summary>
    string Name { get; }

    /// <summary>Usage without prefix, e.g. <c>status [host|role]</c>.</summary>
    string Usage { get; }

    string Summary { get; }

    /// <summary>Who may run the command at all; sub-commands may ask for more through <see cref="CommandContext.Require"/>.</summary>
    Permission Required { get; }

    Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken);
}

/// <summary>What a command works with: the message, who sent it, the parsed arguments (data only, never a shell).</summary>
internal sealed record CommandContext(ChatMessage Message, Permission Permission, string Name, IReadOnlyList<string> Args, string Prefix)
{
    public string User => Message.AuthorName;

    /// <summary>A refusal reply when the user lacks <paramref name="needed"/>, else null.</summary>
    public CommandReply? Require(Permission needed, string what) =>
        Permission >= needed ? null : CommandReply.Refuse($"sorry {User}, {what} is for {Permissions.Describe(needed)} only; ask an admin to add you to permissions in the config");
}

/// <summary>A reply, and whether it refused the request (refusals are audited).</summary>
internal sealed record CommandReply(string Text, bool Refused = false, bool IsError = false)
{
    public static CommandReply Ok(string text) => new(text);

    public static CommandReply Refuse(string text) => new(text, Refused: true);

    public static CommandReply Error(string text) => new(text, IsError: true);
}
