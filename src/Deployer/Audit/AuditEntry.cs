namespace ChatOpsReconfig.Deployer.Audit;

/// <summary>Someone (or the bot itself) acting on the deployer: a chat user id and the name people see.</summary>
public sealed record Actor(string Id, string Name)
{
    /// <summary>The bot acting on its own, e.g. when a hold expires.</summary>
    public static readonly Actor System = new("system", "chatops");
}

/// <summary>One line of the audit log: who did (or tried) what, when, and with what outcome.</summary>
public sealed record AuditEntry
{
    /// <summary>Assigned by the store.</summary>
    public int Id { get; init; }

    public DateTimeOffset At { get; init; }

    public string ActorId { get; init; } = "";

    public string ActorName { get; init; } = "";

    /// <summary>The feature that wrote the entry, e.g. <c>lock</c> or <c>freeze</c>.</summary>
    public string Area { get; init; } = "";

    /// <summary>What was asked, e.g. <c>lock</c>, <c>unlock</c>, <c>force-unlock</c>, <c>extend</c>, <c>expire</c>.</summary>
    public string Action { get; init; } = "";

    /// <summary>Whom or what the action was about, when not the actor (e.g. the hold a force-unlock released).</summary>
    public string? Target { get; init; }

    /// <summary>The outcome in words: what changed, or why it was refused.</summary>
    public string Detail { get; init; } = "";

    public bool Refused { get; init; }
}
