using Microsoft.Extensions.DependencyInjection;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary><c>!help [command]</c>: usage from the commands themselves, so help cannot drift.</summary>
internal sealed class HelpCommand(IServiceProvider services) : IChatCommand
{
    public string Name => "help";

    public string Usage => "help [command]";

    public string Summary => "list the commands, or show one command's usage";

    public Permission Required => Permission.Anyone;

    public Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var commands = services.GetServices<IChatCommand>().OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var p = context.Prefix;
        if (context.Args.Count == 0)
        {
            var lines = new List<string> { "commands:" };
            lines.AddRange(commands.Select(c => $"  {p}{c.Usage} — {c.Summary}{(c.Required > Permission.Anyone ? $" ({Permissions.Describe(c.Required)})" : "")}"));
            lines.Add($"you are: {Permissions.Describe(context.Permission) switch { "anyone" => "not a deployer", var x => x[..^1] }}");
            return Task.FromResult(CommandReply.Ok(string.Join('\n', lines)));
        }

        var name = context.Args[0].TrimStart(p.ToCharArray()).ToLowerInvariant();
        var command = commands.FirstOrDefault(c => c.Name == name);
        return Task.FromResult(command is null
            ? CommandReply.Error($"no command {p}{SafeText.Token(name)}; {p}help lists the commands")
            : CommandReply.Ok($"{p}{command.Usage} — {command.Summary} (for {Permissions.Describe(command.Required)})"));
    }
}
