using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary><c>!deploy now [--force] [--again]</c>, <c>!deploy plan [--again]</c> and <c>!deploy cancel</c>.</summary>
internal sealed class DeployCommand(RolloutDoor door, RolloutCoordinator coordinator, ChatClock clock) : IChatCommand
{
    public string Name => "deploy";

    public string Usage => "deploy now [--force] [--again] | plan [--again] | cancel";

    public string Summary => "roll out the production heads now (skips the quiet window; --force, admins only, also skips holds, freezes and CI; --again re-runs the steps on hosts already at the set), show the plan, or cancel the running rollout";

    public Permission Required => Permission.Deployer;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var args = context.Args.Select(a => a.ToLowerInvariant()).ToList();
        var usage = $"usage: {context.Prefix}{Usage}";
        if (args.Count == 0) return CommandReply.Error(usage);

        switch (args[0])
        {
            case "now":
            case "plan":
                var (force, again, flagError) = Flags(args.Skip(1), allowForce: args[0] == "now");
                if (flagError is not null) return CommandReply.Error($"{flagError}; {usage}");
                if (force && context.Require(Permission.Admin, $"{context.Prefix}deploy now --force") is { } refusal) return refusal;
                var request = new RolloutRequest { Trigger = RolloutTrigger.DeployNow, RequestedBy = context.User, Force = force, Again = again };
                if (args[0] == "plan")
                {
                    var planned = await door.PlanAsync(request, cancellationToken);
                    return CommandReply.Ok(planned.Plan is { } p ? string.Join('\n', PlanMessages.Lines(p, planned.Decision, clock.Zone)) : "no plan: " + clock.Policy(planned.Decision));
                }

                var answer = await door.RequestAsync(request, cancellationToken);
                if (answer.Started) return CommandReply.Ok(""); // the start message says it, once, before the progress
                var hint = answer.Decision.Blocker is PolicyBlocker.Hold or PolicyBlocker.Freeze or PolicyBlocker.CiFailed or PolicyBlocker.CiPending or PolicyBlocker.CiUnknown
                    ? $" ({context.Prefix}deploy now --force overrides, admins only)"
                    : "";
                return CommandReply.Refuse($"not deploying: {Trim(clock.Policy(answer.Decision))}{hint}");

            case "cancel":
                if (args.Count > 1) return CommandReply.Error(usage);
                var cancelled = coordinator.Cancel(context.User);
                if (cancelled is null) return CommandReply.Error("no rollout is running");
                return CommandReply.Ok($"cancelling rollout #{cancelled.Id}: no new hosts or steps start; running steps finish, then the results follow");

            default:
                return CommandReply.Error($"unknown sub-command '{SafeText.Token(args[0], 30)}'; {usage}");
        }
    }

    internal static (bool Force, bool Again, string? Error) Flags(IEnumerable<string> flags, bool allowForce)
    {
        var force = false;
        var again = false;
        foreach (var flag in flags)
        {
            if (allowForce && flag is "--force" or "-f") force = true;
            else if (flag is "--again") again = true;
            else return (false, false, $"unknown option '{SafeText.Token(flag, 30)}'");
        }

        return (force, again, null);
    }

    /// <summary>"waiting: alice holds…" reads "not deploying: alice holds…".</summary>
    internal static string Trim(string line) => line.StartsWith("waiting: ", StringComparison.Ordinal) ? line["waiting: ".Length..] : line;
}

/// <summary><c>!rollback [#N] [--force]</c>: roll the fleet back to rollout #N's set, then hold automatic rollouts.</summary>
internal sealed class RollbackCommand(RolloutDoor door, ChatClock clock) : IChatCommand
{
    public string Name => "rollback";

    public string Usage => "rollback [#N] [--force]";

    public string Summary => "roll the fleet back to rollout #N's revision set (default: the set before the last succeeded rollout); holds automatic rollouts until !unlock rollback";

    public Permission Required => Permission.Deployer;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var usage = $"usage: {context.Prefix}{Usage}";
        int? to = null;
        var force = false;
        foreach (var arg in context.Args)
        {
            if (arg is "--force" or "-f") force = true;
            else if (to is null && int.TryParse(arg.TrimStart('#'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0) to = n;
            else return CommandReply.Error($"not rolling back: '{SafeText.Token(arg, 30)}' is not a rollout number; {usage}");
        }

        if (force && context.Require(Permission.Admin, $"{context.Prefix}rollback --force") is { } refusal) return refusal;
        return await RollbackAsync(door, clock, context.User, context.Message.AuthorId, to, force, cancellationToken);
    }

    /// <summary>The rollback through the door, which places the system hold as it starts it.</summary>
    internal static async Task<CommandReply> RollbackAsync(RolloutDoor door, ChatClock clock, string user, string userId, int? to, bool force, CancellationToken cancellationToken)
    {
        var answer = await door.RequestAsync(new RolloutRequest { Trigger = RolloutTrigger.Rollback, RequestedBy = user, RequestedById = userId, RollbackTo = to, Force = force }, cancellationToken);
        if (!answer.Started) return CommandReply.Refuse($"not rolling back: {DeployCommand.Trim(clock.Policy(answer.Decision))}");
        return CommandReply.Ok("");
    }
}
