using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary><c>!history [n]</c>: the last rollouts with their outcome.</summary>
internal sealed class HistoryCommand(IRolloutStore store, Announcements.ChatClock clock) : IChatCommand
{
    private const int Max = 50;

    public string Name => "history";

    public string Usage => "history [n]";

    public string Summary => $"the last n rollouts (default 5, at most {Max}) with their outcome";

    public Permission Required => Permission.Anyone;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var n = 5;
        if (context.Args.Count > 1 || (context.Args.Count == 1 && (!int.TryParse(context.Args[0], out n) || n < 1 || n > Max)))
            return CommandReply.Error($"usage: {context.Prefix}{Usage} — n is a number from 1 to {Max}");

        var rollouts = await store.LatestAsync(n, cancellationToken);
        if (rollouts.Count == 0) return CommandReply.Ok("no rollouts yet");
        var table = new TextTable("#", "started", "by", "outcome", "summary");
        foreach (var r in rollouts)
            table.Add($"{r.Id}", clock.At(r.StartedAt), r.StartedBy, r.State.ToString().ToLowerInvariant(), RolloutText.Summary(r));
        return CommandReply.Ok(string.Join('\n', table.Lines()));
    }
}
