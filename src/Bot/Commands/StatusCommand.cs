using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary><c>!status [host|role]</c>: which hosts lag and why, from the store (no SSH).</summary>
internal sealed class StatusCommand(StatusReport report, Deployer.Fleet.FleetConfig fleet, Bugs.BugStatus? bugs = null) : IChatCommand
{
    public string Name => "status";

    public string Usage => "status [host|role|bugs]";

    public string Summary => "which hosts lag behind production and why; lock and policy state";

    public Permission Required => Permission.Anyone;

    public async Task<CommandReply> ExecuteAsync(CommandContext context, CancellationToken cancellationToken)
    {
        if (context.Args.Count > 1) return CommandReply.Error($"usage: {context.Prefix}{Usage}");
        if (context.Args.Count == 0) return CommandReply.Ok(await report.FleetAsync(null, cancellationToken));

        var name = context.Args[0];
        if (bugs is not null && string.Equals(name, "bugs", StringComparison.OrdinalIgnoreCase) && !fleet.Hosts.Any(h => h.Name == name))
            return CommandReply.Ok(await bugs.ReplyAsync(cancellationToken));
        if (await report.HostAsync(name, cancellationToken) is { } host) return CommandReply.Ok(host);
        if (report.RoleNamed(name) is { } role) return CommandReply.Ok(await report.FleetAsync(role, cancellationToken));

        var shown = SafeText.Token(name);
        var hosts = fleet.Hosts.Count <= 12 ? string.Join(", ", fleet.Hosts.Select(h => h.Name)) : $"{fleet.Hosts.Count} hosts, e.g. {string.Join(", ", fleet.Hosts.Take(5).Select(h => h.Name))}";
        return CommandReply.Error($"no host or role named '{shown}'. hosts: {hosts}; roles: {string.Join(", ", fleet.Roles.Keys)}");
    }
}
