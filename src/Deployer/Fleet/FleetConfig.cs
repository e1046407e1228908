using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Policy;

namespace ChatOpsReconfig.Deployer.Fleet;

/// <summary>The whole fleet configuration file: repos, roles, hosts and settings.</summary>
public sealed record FleetConfig
{
    /// <summary>Directory for the store, mirrors and demo files; relative paths resolve against the working directory.</summary>
    public string DataDir { get; init; } = "data";

    /// <summary>LiteDB file; default <c>{dataDir}/chatops.db</c>.</summary>
    public string? StorePath { get; init; }

    public Dictionary<string, RepoConfig> Repos { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, RoleConfig> Roles { get; init; } = new(StringComparer.Ordinal);

    public List<HostConfig> Hosts { get; init; } = [];

    public SshSettings Ssh { get; init; } = new();

    public RolloutSettings Rollout { get; init; } = new();

    /// <summary>Creates the demo repos and host directories under the data directory at start-up.</summary>
    public DemoSettings? Demo { get; init; }

    /// <summary>Sections owned by the bot (chat, permissions, web); kept as raw JSON for the bot to bind.</summary>
    [System.Text.Json.Serialization.JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Extra { get; init; }

    public LockOptions Lock { get; init; } = new();

    public PolicyOptions Policy { get; init; } = new();
}

public enum RepoKind
{
    Git,
    Hg,
}

/// <summary>A repository whose production branch the fleet runs.</summary>
public sealed record RepoConfig
{
    public RepoKind Kind { get; init; } = RepoKind.Git;

    public string Url { get; init; } = "";

    public string Branch { get; init; } = "production";

    /// <summary>Regex whose first group is a bug number.</summary>
    public string? BugPattern { get; init; }

    public int? QuietMinutes { get; init; }

    public int? PollSeconds { get; init; }

    /// <summary>CI gate URL template with <c>{rev}</c>; returns GitHub combined status or <c>{"state":"success"}</c>.</summary>
    public string? CiUrl { get; init; }
}

/// <summary>What a kind of host carries and how it is updated.</summary>
public sealed record RoleConfig
{
    /// <summary>Repo name to checkout location on the host (relative to basedir, or absolute).</summary>
    public Dictionary<string, RoleRepo> Repos { get; init; } = new(StringComparer.Ordinal);

    public List<StepConfig> Steps { get; init; } = [];

    /// <summary>The step that moves working copies to <c>{rev:REPO}</c>; re-run with the old revisions to restore a host.</summary>
    public string UpdateStep { get; init; } = "update";
}

public sealed record RoleRepo
{
    public string Path { get; init; } = "";

    /// <summary>Command template printing the checked-out revision; defaults by repo kind.</summary>
    public string? RevisionCommand { get; init; }
}

public sealed record StepConfig
{
    public string Name { get; init; } = "";

    public string Command { get; init; } = "";

    public int TimeoutSeconds { get; init; } = 300;

    /// <summary>A failing gate step skips the later steps and restores the host's previous revisions.</summary>
    public bool Gate { get; init; }
}

public enum TransportKind
{
    Ssh,
    Local,
}

public sealed record HostConfig
{
    public string Name { get; init; } = "";

    public string? Address { get; init; }

    public int? Port { get; init; }

    public string? User { get; init; }

    public string Role { get; init; } = "";

    public string Basedir { get; init; } = "";

    public TransportKind Transport { get; init; } = TransportKind.Ssh;

    public bool Enabled { get; init; } = true;

    /// <summary>Pinned host key, <c>SHA256:base64</c> as printed by <c>ssh-keygen -lf</c>.</summary>
    public string? HostKeyFingerprint { get; init; }
}

public sealed record SshSettings
{
    public string User { get; init; } = "";

    public int Port { get; init; } = 22;

    /// <summary>Private key file; may be overridden by <see cref="KeyFileEnv"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>Environment variable naming the key file (takes precedence over <see cref="KeyFile"/>).</summary>
    public string KeyFileEnv { get; init; } = "CHATOPS_SSH_KEY";

    /// <summary>Environment variable holding the key's passphrase, if any.</summary>
    public string KeyPassphraseEnv { get; init; } = "CHATOPS_SSH_KEY_PASSPHRASE";

    public string? KnownHosts { get; init; }

    public int ConnectTimeoutSeconds { get; init; } = 10;

    /// <summary>Bytes of stdout and of stderr kept per command (the tail).</summary>
    public int MaxOutputBytes { get; init; } = 64 * 1024;

    /// <summary>Key exchange algorithms to offer, in order; null for the default order (see SshAlgorithms).</summary>
    public IReadOnlyList<string>? KeyExchange { get; init; }
}

public sealed record RolloutSettings
{
    public int CanaryCount { get; init; } = 1;

    public int Parallelism { get; init; } = 10;

    public int ConnectAttempts { get; init; } = 3;

    public double ConnectBackoffSeconds { get; init; } = 1;
}

public sealed record DemoSettings
{
    /// <summary>Create the demo's upstream repos and host directories when missing.</summary>
    public bool Create { get; init; } = true;
}
