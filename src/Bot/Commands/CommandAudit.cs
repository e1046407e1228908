using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary>Records chat commands that need a permission (and every refusal) in the shared audit log, area <c>chat</c>.</summary>
internal sealed class CommandAudit(AuditLog log, TimeProvider time)
{
    public const string Area = "chat";

    public void Record(string userId, string userName, string command, string outcome, bool refused) =>
        log.Append(new AuditEntry
        {
            At = time.GetUtcNow(), ActorId = userId, ActorName = userName, Area = Area, Action = command, Detail = outcome, Refused = refused,
        });

    public IReadOnlyList<AuditEntry> Latest(int count) => log.Latest(count, Area);
}
