using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Audit;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary>Formats holds and freezes the same way in every lock command reply.</summary>
internal sealed class LockReplies(ChatClock clock)
{
    public string Clock(DateTimeOffset at) => clock.At(at);

    public string Refusal(LockResult result) => RefusalText.Of(result.Refusal!, result.Holds, result.At, clock.Zone);

    public string Refusal(FreezeResult result) => RefusalText.Of(result.Refusal!, [], result.At, clock.Zone);

    public string Hold(Hold h) => $"{HoldText.Holder(h)} {(h.UntilReleased ? "until released" : "until " + Clock(h.ExpiresAt))}{(HoldText.Reason(h) is { Length: > 0 } why ? $" ({why})" : "")}";

    /// <summary><c>your hold (landing)</c>, <c>bob's hold</c>: a released hold, as its releaser reads it.</summary>
    public string Released(Hold h, Actor releaser) =>
        $"{(DeployLock.SameHolder(h.HolderId, releaser.Id) ? "your" : HumanNames.Possessive(HoldText.Holder(h)))} hold{(HoldText.Reason(h) is { Length: > 0 } why ? $" ({why})" : "")}";

    public string Holds(IReadOnlyList<Hold> holds) =>
        holds.Count == 0 ? "no holds: deploys may proceed" : "held by " + string.Join("; ", holds.Select(Hold));

    public static Actor ActorOf(CommandContext c) => new(c.Message.AuthorId, c.Message.AuthorName);

    /// <summary>Splits <c>[duration] [reason…]</c>: a first word starting with a digit or '-' must be a valid duration.</summary>
    public static (TimeSpan? Duration, string? Reason, string? Error) DurationAndReason(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return (null, null, null);
        var first = args[0];
        if (first.Length > 0 && (char.IsAsciiDigit(first[0]) || first[0] is '-' or '+'))
        {
            var parsed = Duration.Parse(first);
            if (!parsed.Ok) return (null, null, parsed.Error);
            return (parsed.Value, args.Count > 1 ? string.Join(' ', args.Skip(1)) : null, null);
        }

        return (null, string.Join(' ', args), null);
    }
}

/// <summary><c>!lock [duration] [reason…]</c>: add (or replace) your hold; deploys wait while any hold is active.</summary>
internal sealed class LockCommand(LockService locks, LockReplies replies) : IChatCommand
{
    public string Name => "lock";

    public string Usage => "lock [duration] [reason…]";

    public string Summary => "hold deploys while you land a change (e.g. !lock 45m landing bug 123 configs+custom)";

    public Permission Required => Permission.Deployer;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var (duration, reason, error) = LockReplies.DurationAndReason(context.Args);
        if (error is not null) return CommandReply.Error($"not locked: {error}; usage: {context.Prefix}{Usage}");
        var result = await locks.LockAsync(LockReplies.ActorOf(context), duration, reason, cancellationToken);
        if (!result.Succeeded) return CommandReply.Error($"not locked: {replies.Refusal(result)}");
        var hold = result.Hold!;
        var verb = result.Previous is null ? "holds" : "now holds";
        return CommandReply.Ok($"{HumanNames.With(hold.HolderName, verb)} the deploy lock until {replies.Clock(hold.ExpiresAt)}{(hold.Reason.Length > 0 ? $": {hold.Reason}" : "")}. "
            + $"Deploys wait; {context.Prefix}unlock when done.{Others(result.Holds, hold)}");
    }

    private string Others(IReadOnlyList<Hold> holds, Hold mine)
    {
        var others = holds.Where(h => !DeployLock.SameHolder(h.HolderId, mine.HolderId)).ToList();
        return others.Count == 0 ? "" : " Also held by " + string.Join("; ", others.Select(replies.Hold)) + ".";
    }
}

/// <summary><c>!unlock</c>, <c>!unlock @user</c>, <c>!unlock all</c>.</summary>
internal sealed class UnlockCommand(LockService locks, LockReplies replies, IEnumerable<IUnlockOutlook> outlooks) : IChatCommand
{
    public string Name => "unlock";

    public string Usage => "unlock [@user|all|rollback|commit]";

    public string Summary => "release your hold; admins may release someone else's (@user) or all; rollback releases the hold a rollback placed; commit the hold a 'deploy: hold' commit placed";

    public Permission Required => Permission.Deployer;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        if (context.Args.Count > 1) return CommandReply.Error($"usage: {context.Prefix}{Usage}");
        var me = LockReplies.ActorOf(context);
        LockResult result;
        if (context.Args.Count == 0)
        {
            result = await locks.UnlockAsync(me, cancellationToken);
        }
        else if (string.Equals(context.Args[0], "rollback", StringComparison.OrdinalIgnoreCase))
        {
            result = await locks.ReleaseSystemAsync(me, Hold.RollbackHolder, "rollback", cancellationToken);
        }
        else if (string.Equals(context.Args[0], Deployer.CommitHolds.CommitHoldService.UnlockWord, StringComparison.OrdinalIgnoreCase))
        {
            result = await locks.ReleaseSystemAsync(me, Deployer.CommitHolds.CommitHoldService.Holder, "commit", cancellationToken);
        }
        else
        {
            var target = context.Args[0];
            var what = string.Equals(target, "all", StringComparison.OrdinalIgnoreCase) ? $"{context.Prefix}unlock all" : $"{context.Prefix}unlock @user";
            if (context.Require(Permission.Admin, what) is { } refusal) return refusal;
            result = string.Equals(target, "all", StringComparison.OrdinalIgnoreCase)
                ? await locks.ForceUnlockAllAsync(me, cancellationToken)
                : await locks.ForceUnlockAsync(me, target, cancellationToken);
        }

        if (!result.Succeeded) return CommandReply.Error($"not unlocked: {replies.Refusal(result)}");

        // Summary first, then one line per released hold when there were several; the command's reply is the only
        // message about it (no separate announcement), so the order never swaps.
        var released = result.Released;
        var text = released.Count == 1 ? $"released {replies.Released(released[0], me)}" : $"released {released.Count} holds";
        text += ". " + (result.Holds.Count > 0 ? $"Still {replies.Holds(result.Holds)}" : "No holds left");
        if (result.Holds.Count == 0)
        {
            foreach (var o in outlooks) text += "; " + await o.OutlookAsync(cancellationToken);
        }

        if (released.Count > 1) text += string.Concat(released.Select(h => "\n  " + replies.Released(h, me)));
        return CommandReply.Ok(text);
    }
}

/// <summary>What will deploy and when, said when the last hold goes (supplied by the auto-deploy policy).</summary>
internal interface IUnlockOutlook
{
    Task<string> OutlookAsync(CancellationToken cancellationToken);
}

/// <summary><c>!extend [duration]</c>: prolong your own hold.</summary>
internal sealed class ExtendCommand(LockService locks, LockReplies replies) : IChatCommand
{
    public string Name => "extend";

    public string Usage => "extend [duration]";

    public string Summary => "prolong your hold (by the default duration unless given)";

    public Permission Required => Permission.Deployer;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        if (context.Args.Count > 1) return CommandReply.Error($"usage: {context.Prefix}{Usage}");
        TimeSpan? by = null;
        if (context.Args.Count == 1)
        {
            var parsed = Duration.Parse(context.Args[0]);
            if (!parsed.Ok) return CommandReply.Error($"not extended: {parsed.Error}; usage: {context.Prefix}{Usage}");
            by = parsed.Value;
        }

        var result = await locks.ExtendAsync(LockReplies.ActorOf(context), by, cancellationToken);
        if (!result.Succeeded) return CommandReply.Error($"not extended: {replies.Refusal(result)}");
        return CommandReply.Ok($"extended: {replies.Hold(result.Hold!)}");
    }
}

/// <summary><c>!freeze duration [reason…]</c>: no automatic or manual deploys (except --force) until it ends.</summary>
internal sealed class FreezeCommand(FreezeService freezes, LockReplies replies) : IChatCommand
{
    public string Name => "freeze";

    public string Usage => "freeze duration [reason…]";

    public string Summary => "stop all deploys for a while (e.g. !freeze 2h release week); !unfreeze ends it";

    public Permission Required => Permission.Deployer;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        if (context.Args.Count == 0) return CommandReply.Error($"usage: {context.Prefix}{Usage}");
        var parsed = Duration.Parse(context.Args[0]);
        if (!parsed.Ok) return CommandReply.Error($"not frozen: {parsed.Error}; usage: {context.Prefix}{Usage}");
        var reason = context.Args.Count > 1 ? string.Join(' ', context.Args.Skip(1)) : null;
        var result = await freezes.FreezeAsync(LockReplies.ActorOf(context), parsed.Value, reason, cancellationToken);
        if (!result.Succeeded) return CommandReply.Error($"not frozen: {replies.Refusal(result)}");
        var f = result.Freeze!;
        return CommandReply.Ok($"FROZEN by {f.ByName} until {replies.Clock(f.Until)}{(FreezeText.Reason(f.Reason, f.ByName) is { Length: > 0 } why ? $": {why}" : "")}. No deploys until then ({context.Prefix}unfreeze ends it)");
    }
}

internal sealed class UnfreezeCommand(FreezeService freezes, LockReplies replies) : IChatCommand
{
    public string Name => "unfreeze";

    public string Usage => "unfreeze";

    public string Summary => "end the ad-hoc freeze (scheduled freezes stay)";

    public Permission Required => Permission.Deployer;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        if (context.Args.Count > 0) return CommandReply.Error($"usage: {context.Prefix}{Usage}");
        var result = await freezes.UnfreezeAsync(LockReplies.ActorOf(context), cancellationToken);
        if (!result.Succeeded) return CommandReply.Error($"not unfrozen: {replies.Refusal(result)}");
        var open = result.Open.Count == 0 ? "no freeze is open" : "still open: " + string.Join("; ", result.Open.Select(o => $"{FreezeText.Reason(o.Reason, o.By)} until {replies.Clock(o.Until)}"));
        return CommandReply.Ok($"unfrozen; {open}");
    }
}
