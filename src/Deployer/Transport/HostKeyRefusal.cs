namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>Why a host key was not trusted.</summary>
public enum HostKeyProblem
{
    /// <summary>The host is not in known_hosts (<see cref="HostKeyRefusal.LookupName"/> in <see cref="HostKeyRefusal.KnownHosts"/>) and has no pin.</summary>
    Unknown,

    /// <summary>No known_hosts file is configured and the host has no pin.</summary>
    NoKnownHosts,

    /// <summary>known_hosts lists another key of the same type (<see cref="HostKeyRefusal.Expected"/>).</summary>
    Changed,

    /// <summary>known_hosts lists only keys of other types for the host (<see cref="HostKeyRefusal.Expected"/>).</summary>
    OnlyOtherTypes,

    /// <summary>The key is not the pinned hostKeyFingerprint (the one entry of <see cref="HostKeyRefusal.Expected"/>).</summary>
    PinChanged,

    /// <summary>The key is marked @revoked in <see cref="HostKeyRefusal.KnownHosts"/> at <see cref="HostKeyRefusal.Line"/>.</summary>
    Revoked,

    /// <summary>known_hosts could not be read (<see cref="HostKeyRefusal.Detail"/> is what the file system said).</summary>
    KnownHostsUnreadable,
}

/// <summary>A key we expected: from known_hosts (<see cref="Source"/> and <see cref="Line"/>), or pinned when <see cref="Source"/> is null.</summary>
public sealed record ExpectedHostKey
{
    public string Fingerprint { get; init; } = "";

    public string? KeyType { get; init; }

    public string? Source { get; init; }

    public int Line { get; init; }
}

/// <summary>
/// A refused host key as data (stored with the host's connect failure); the Bot words it. <see cref="Host"/> is the
/// host's label, <c>bm01 (127.0.0.1:2222)</c>; <see cref="KeyType"/> is null when the key blob names none.
/// </summary>
public sealed record HostKeyRefusal
{
    public HostKeyProblem Problem { get; init; }

    public string Host { get; init; } = "";

    public string Fingerprint { get; init; } = "";

    public string? KeyType { get; init; }

    public List<ExpectedHostKey> Expected { get; init; } = [];

    /// <summary>The known_hosts file consulted.</summary>
    public string? KnownHosts { get; init; }

    /// <summary>The known_hosts line concerned (<see cref="HostKeyProblem.Revoked"/>).</summary>
    public int? Line { get; init; }

    /// <summary>The name looked up in known_hosts: <c>bm01</c> or <c>[10.0.0.5]:2222</c>.</summary>
    public string? LookupName { get; init; }

    /// <summary>What the file system said (<see cref="HostKeyProblem.KnownHostsUnreadable"/>).</summary>
    public string? Detail { get; init; }
}
