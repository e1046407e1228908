using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Bot.Commands;

/// <summary>Who ran which command when, and what came of it (refusals included).</summary>
internal sealed record AuditEntry
{
    public int Id { get; init; }

    public DateTimeOffset At { get; init; }

    public string User { get; init; } = "";

    public string Command { get; init; } = "";

    public string Outcome { get; init; } = "";
}

internal sealed class CommandAudit(StoreDatabase db, TimeProvider time)
{
    public void Record(string user, string command, string outcome) =>
        db.Collection<AuditEntry>("command_audit").Insert(new AuditEntry { At = time.GetUtcNow(), User = user, Command = command, Outcome = outcome });

    public IReadOnlyList<AuditEntry> Latest(int count) =>
        db.Collection<AuditEntry>("command_audit").Query().OrderByDescending(e => e.Id).Limit(count).ToList();
}
