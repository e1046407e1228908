using ChatOpsReconfig.Deployer.Audit;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary>Records chat commands that need a permission (and every refusal) in the shared audit log, area <c>chat</c>.</summary>
internal sealed class CommandAudit(IAuditLog log, TimeProvider time)
{
    public const string Area = "chat";

    public Task RecordAsync(string userId, string userName, string command, string outcome, bool refused, CancellationToken cancellationToken) =>
        log.AppendAsync(
            new AuditEntry
            {
                At = time.GetUtcNow(), ActorId = userId, ActorName = userName, Area = Area, Action = command, Detail = outcome, Refused = refused,
            },
            cancellationToken);

    public Task<IReadOnlyList<AuditEntry>> LatestAsync(int count, CancellationToken cancellationToken) => log.LatestAsync(count, Area, cancellationToken);
}
