using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary><c>!deploy now [--force]</c> and <c>!deploy cancel</c>.</summary>
internal sealed class DeployCommand(RolloutCoordinator coordinator, IDeployGate? gate = null) : IChatCommand
{
    public string Name => "deploy";

    public string Usage => "deploy now [--force] / cancel";

    public string Summary => "roll out the production heads now (skips the quiet window; --force, admins only, skips everything) or cancel the running rollout";

    public Permission Required => Permission.Deployer;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var args = context.Args.Select(a => a.ToLowerInvariant()).ToList();
        var usage = $"usage: {context.Prefix}deploy now [--force] | {context.Prefix}deploy cancel";
        if (args.Count == 0) return CommandReply.Error(usage);

        switch (args[0])
        {
            case "now":
                var force = false;
                foreach (var flag in args.Skip(1))
                {
                    if (flag is "--force" or "-f") force = true;
                    else return CommandReply.Error($"unknown option '{TextTableCell(flag)}'; {usage}");
                }

                if (force && context.Require(Permission.Admin, $"{context.Prefix}deploy now --force") is { } refusal) return refusal;
                if (!force && gate is not null && await gate.BlockedAsync(context.User, cancellationToken) is { } why)
                    return CommandReply.Refuse($"not deploying: {why} ({context.Prefix}deploy now --force overrides, admins only)");

                var reason = force ? "deploy now --force" : "deploy now";
                var result = await coordinator.StartAsync(new RolloutRequest(context.User, reason, force), cancellationToken);
                if (!result.Started) return CommandReply.Refuse($"not deploying: {result.Refusal}");
                var r = result.Rollout!;
                var loud = force ? "FORCED by " + context.User + ": lock, freezes and CI ignored. " : "";
                return CommandReply.Ok($"{loud}rollout #{r.Id} starting on {r.Hosts.Count} hosts (canary first); progress follows");

            case "cancel":
                if (args.Count > 1) return CommandReply.Error(usage);
                var cancelled = coordinator.Cancel(context.User);
                if (cancelled is null) return CommandReply.Error("no rollout is running");
                return CommandReply.Ok($"cancelling rollout #{cancelled.Id}: no new hosts or steps start; running steps finish, then the results follow");

            default:
                return CommandReply.Error($"unknown sub-command '{TextTableCell(args[0])}'; {usage}");
        }
    }

    private static string TextTableCell(string s) => Announcements.TextTable.Cell(s.Length > 30 ? s[..30] : s);
}

/// <summary>What may block a manual <c>!deploy now</c> (holds, freezes, CI); supplied by the lock and policy feature.</summary>
internal interface IDeployGate
{
    /// <summary>Why a manual deploy may not start now, or null.</summary>
    Task<string?> BlockedAsync(string user, CancellationToken cancellationToken);
}
