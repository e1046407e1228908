using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Bot.Web;

namespace ChatOpsReconfig.Bot.Maintenance;

/// <summary><c>!log [n]</c>: what the last n rollouts deployed, with bug links.</summary>
internal sealed class LogCommand(MaintenanceLog log, BotOptions options, Announcements.ChatClock clock) : IChatCommand
{
    private const int Max = 20;

    public string Name => "log";

    public string Usage => "log [n]";

    public string Summary => $"the maintenance log: what the last n rollouts deployed (default 3, at most {Max}), with bug links";

    public Permission Required => Permission.Anyone;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var n = 3;
        if (context.Args.Count > 1 || (context.Args.Count == 1 && (!int.TryParse(context.Args[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out n) || n < 1 || n > Max)))
            return CommandReply.Error($"usage: {context.Prefix}{Usage} — n is a number from 1 to {Max}");
        return CommandReply.Ok(MaintenanceText.Chat(await log.LatestAsync(n, cancellationToken), options.Chat.BugUrlTemplate, clock));
    }
}
