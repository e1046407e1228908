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

    /// <summary>
    /// The outcome as given by the area: a refusal's data, a chat command's outcome; empty for a typed lock change
    /// (<see cref="HoldChange"/>). Entries stored by older builds hold their words here.
    /// </summary>
    public string Detail { get; init; } = "";

    public bool Refused { get; init; }

    /// <summary>What a lock action changed; null for other areas, refusals and entries stored by older builds.</summary>
    public HoldChange? HoldChange { get; init; }

    /// <summary>The names of the holders concerned (<see cref="HoldChange"/>): the released, extended or expired holds.</summary>
    public List<string> Holders { get; init; } = [];

    /// <summary>Since when the released hold was held.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Until when the hold now lasts, or when it expired.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>How long a hold was taken for, or by how much it was extended.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The hold's reason as its holder gave it, or the freeze's (echoed, never our words).</summary>
    public string? Reason { get; init; }

    /// <summary>What a freeze action changed (<see cref="Target"/>: whose freeze it replaced or lifted); null for other areas and refusals.</summary>
    public FreezeChange? FreezeChange { get; init; }
}

/// <summary>What a freeze action did, as recorded in the audit log.</summary>
public enum FreezeChange
{
    Frozen,

    /// <summary>Froze, replacing someone's ad-hoc freeze.</summary>
    Replaced,
    Lifted,
}

/// <summary>What a lock action did, as recorded in the audit log.</summary>
public enum HoldChange
{
    Held,
    Replaced,
    Released,
    ForceReleased,
    ReleasedAll,
    SystemHoldPlaced,
    SystemHoldReleased,
    Extended,
    Expired,
}
