using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Chat;
using Microsoft.Extensions.Logging;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary>
/// Parses <c>!name args…</c> (prefix from config, tolerant of case and extra spaces), checks permission, runs the
/// command and returns its reply. Unknown commands get the closest known one as a suggestion.
/// </summary>
internal sealed partial class CommandRouter(
    IEnumerable<IChatCommand> commands,
    Permissions permissions,
    CommandAudit audit,
    string prefix,
    ILogger<CommandRouter> logger)
{
    private readonly Dictionary<string, IChatCommand> _commands = commands.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<IChatCommand> Commands => _commands.Values;

    public string Prefix => prefix;

    /// <summary>The reply to a message, or null when the message is not a command.</summary>
    public async Task<CommandReply?> HandleAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        var text = message.Text.Trim();
        if (!text.StartsWith(prefix, StringComparison.Ordinal)) return null;
        // A name is shown in replies, holds and the audit log: one line, invisible characters visible (a look-alike of
        // "alice" with a zero-width space must not read as alice in "sorry alice, … for deployers only").
        message = message with { AuthorName = SafeText.Token(message.AuthorName, 40) };
        var words = text[prefix.Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return CommandReply.Error($"{prefix} alone is not a command; {prefix}help lists the commands");

        var name = words[0].ToLowerInvariant();
        if (!_commands.TryGetValue(name, out var command))
        {
            var suggestion = Closest(name);
            return CommandReply.Error(suggestion is null
                ? $"unknown command {prefix}{SafeText.Token(name, 40)}; {prefix}help lists the commands"
                : $"unknown command {prefix}{SafeText.Token(name, 40)}: did you mean {prefix}{suggestion}? ({prefix}help lists the commands)");
        }

        var permission = permissions.Of(message);
        var context = new CommandContext(message, permission, name, words[1..], prefix);
        var line = $"{prefix}{name} {string.Join(' ', context.Args)}".Trim();
        CommandReply reply;
        if (context.Require(command.Required, $"{prefix}{name}") is { } refusal)
        {
            reply = refusal;
        }
        else
        {
            try
            {
                reply = await command.ExecuteAsync(context, cancellationToken);
            }
            catch (StoreUnwritableException ex)
            {
                // The write was refused before it began (or undone): the command changed nothing; say so in one line.
                Log.StoreUnwritable(logger, line, ex.Problem);
                reply = CommandReply.Error($"{prefix}{name}: not done, {StoreHealthAnnouncer.CannotBeWritten(ex)}; nothing was changed. The bot carries on once the store is writable again; {prefix}status still answers");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.CommandFailed(logger, ex, line);
                reply = CommandReply.Error($"{prefix}{name} failed: {ex.Message}");
            }
        }

        if (reply.Refused || command.Required > Permission.Anyone)
        {
            try
            {
                await audit.RecordAsync(message.AuthorId, message.AuthorName, SafeText.Clean(line, 300),
                    reply.Refused ? "refused: " + SafeText.Clean(reply.Text, 300) : reply.IsError ? "error: " + SafeText.Clean(reply.Text, 300) : "ok", reply.Refused, cancellationToken);
            }
            catch (StoreUnwritableException ex)
            {
                // The store cannot be written (and said so): the log keeps what the audit log cannot.
                Log.NotAudited(logger, message.AuthorName, line, ex.Problem);
            }
        }

        if (reply.Refused) Log.Refused(logger, message.AuthorName, line);
        return reply;
    }

    /// <summary>Usage line for a command, with the prefix.</summary>
    public string UsageOf(IChatCommand command) => prefix + command.Usage;

    private string? Closest(string name)
    {
        var best = _commands.Keys
            .Select(k => (Name: k, Distance: Levenshtein(name, k)))
            .OrderBy(x => x.Distance)
            .FirstOrDefault();
        if (best.Name is null) return null;
        var prefixMatch = _commands.Keys.FirstOrDefault(k => k.StartsWith(name, StringComparison.Ordinal) || name.StartsWith(k, StringComparison.Ordinal));
        if (prefixMatch is not null) return prefixMatch;
        return best.Distance <= Math.Max(2, name.Length / 2) ? best.Name : null;
    }

    internal static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            }
        }

        return d[a.Length, b.Length];
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Command {Command} failed")]
        public static partial void CommandFailed(ILogger logger, Exception exception, string command);

        [LoggerMessage(2, LogLevel.Information, "Refused {User}: {Command}")]
        public static partial void Refused(ILogger logger, string user, string command);

        [LoggerMessage(3, LogLevel.Warning, "Command {Command} not done: the store cannot be written ({Problem})")]
        public static partial void StoreUnwritable(ILogger logger, string command, string problem);

        [LoggerMessage(4, LogLevel.Warning, "Not in the audit log (the store cannot be written: {Problem}): {User} {Command}")]
        public static partial void NotAudited(ILogger logger, string user, string command, string problem);
    }
}
