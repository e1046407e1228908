namespace ChatOpsReconfig.Deployer.Locks;

/// <summary>
/// What a <see cref="LockService"/> call did. A refusal is a value, not an exception: <see cref="Refusal"/> says
/// why in one line for the person who asked.
/// </summary>
public sealed record LockResult
{
    /// <summary>Why nothing changed; null when the call succeeded.</summary>
    public string? Refusal { get; init; }

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
