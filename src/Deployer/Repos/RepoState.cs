using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>What the watcher knows about one repo: its production head and how polling it goes.</summary>
public sealed record RepoState
{
    /// <summary>Repo name.</summary>
    public string Id { get; init; } = "";

    public RepoKind Kind { get; init; }

    /// <summary>The branch <see cref="Head"/> belongs to; a different configured branch starts a new baseline.</summary>
    public string Branch { get; init; } = "";

    /// <summary>Production head; null until the first successful poll.</summary>
    public string? Head { get; init; }

    /// <summary>When the current head was first seen; null when it is the baseline (pushed at an unknown time).</summary>
    public DateTimeOffset? LastPushAt { get; init; }

    public DateTimeOffset? LastPollAt { get; init; }

    /// <summary>True when the last poll succeeded.</summary>
    public bool LastPollOk { get; init; }

    /// <summary>Why the last poll failed; null when it succeeded.</summary>
    public RepoFailure? LastFailure { get; init; }

    /// <summary>The same in the words older builds stored (field <c>LastError</c> of old documents).</summary>
    public string? LegacyLastError { get; init; }

    /// <summary>Since when polls have been succeeding (or failing, see <see cref="LastPollOk"/>).</summary>
    public DateTimeOffset? StatusSince { get; init; }

    public int ConsecutiveFailures { get; init; }
}
