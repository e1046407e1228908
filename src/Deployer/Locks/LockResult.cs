namespace ChatOpsReconfig.Deployer.Locks;

/// <summary>
/// What a <see cref="LockService"/> call did. A refusal is a value, not an exception: <see cref="Refusal"/> says
/// why, as data; the Bot words it.
/// </summary>
public sealed record LockResult
{
    /// <summary>Why nothing changed; null when the call succeeded.</summary>
    public Refusal? Refusal { get; init; }

    /// <summary>When the call was decided: the instant <see cref="Holds"/> describe (time left is counted from it).</summary>
    public DateTimeOffset At { get; init; }

    public bool Succeeded => Refusal is null;

    /// <summary>The hold added or extended.</summary>
    public Hold? Hold { get; init; }

    /// <summary>The same person's hold before this call, when it was replaced or extended.</summary>
    public Hold? Previous { get; init; }

    /// <summary>Holds this call released.</summary>
    public IReadOnlyList<Hold> Released { get; init; } = [];

    /// <summary>Holds active after the call, earliest first.</summary>
    public IReadOnlyList<Hold> Holds { get; init; } = [];
}
