using ChatOpsReconfig.Bot.Chat;
using ChatOpsReconfig.Bot.Hosting;

namespace ChatOpsReconfig.Bot.Commands;

internal enum Permission
{
    Anyone = 0,
    Deployer = 1,
    Admin = 2,
}

/// <summary>Maps chat users (names, ids, chat roles) to anyone / deployer / admin from the config.</summary>
internal sealed class Permissions(PermissionsOptions options)
{
    public Permission Of(ChatMessage message)
    {
        if (Matches(options.Admins, options.AdminRoles, message)) return Permission.Admin;
        if (Matches(options.Deployers, options.DeployerRoles, message)) return Permission.Deployer;
        return Permission.Anyone;
    }

    private static bool Matches(List<string> users, List<string> roles, ChatMessage m) =>
        users.Any(u => u == "*" || string.Equals(u, m.AuthorId, StringComparison.OrdinalIgnoreCase) || string.Equals(u, m.AuthorName, StringComparison.OrdinalIgnoreCase))
        || roles.Any(r => m.AuthorRoles.Contains(r, StringComparer.OrdinalIgnoreCase));

    public static string Describe(Permission p) => p switch
    {
        Permission.Admin => "admins",
        Permission.Deployer => "deployers",
        _ => "anyone",
    };
}
