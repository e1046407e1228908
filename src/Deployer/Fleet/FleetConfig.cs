namespace ChatOpsReconfig.Deployer.Fleet;

// The config records (and the sections other features own) have setters, not init: FleetConfigJsonContext reads them, and
// the JSON source generator drops the default of an init-only property that the file leaves out
// (dotnet/runtime#84484) and cannot bind extension data to one. Nothing assigns them after loading; use `with`.

/// <summary>The whole fleet configuration file: repos, roles, hosts and settings.</summary>
public sealed record FleetConfig
{
    /// <summary>Directory for the store, mirrors and demo files; relative paths resolve against the working directory.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>The store file; default <c>{dataDir}/chatops.db</c>.</summary>
    public string? StorePath { get; set; }

    public Dictionary<string, RepoConfig> Repos { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, RoleConfig> Roles { get; set; } = new(StringComparer.Ordinal);

    public List<HostConfig> Hosts { get; set; } = [];

    public SshSettings Ssh { get; set; } = new();

    public RolloutSettings Rollout { get; set; } = new();

    /// <summary>Creates the demo repos and host directories under the data directory at start-up.</summary>
    public DemoSettings? Demo { get; set; }

    /// <summary>
    /// Sections owned by other features (lock, policy) and by the bot (chat, permissions, web), kept as raw JSON for
    /// their owners to bind (<see cref="FleetConfigSections.Read"/>): Fleet knows none of their types.
    /// </summary>
    [System.Text.Json.Serialization.JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Extra { get; set; }
}

public enum RepoKind
{
    Git,
    Hg,
}

/// <summary>A repository whose production branch the fleet runs.</summary>
public sealed record RepoConfig
{
    public RepoKind Kind { get; set; } = RepoKind.Git;

    public string Url { get; set; } = "";

    public string Branch { get; set; } = "production";

    /// <summary>Regex whose first group is a bug number.</summary>
    public string? BugPattern { get; set; }

    /// <summary>This repo's quiet window in minutes, fractions allowed; null uses <c>policy.quietMinutes</c>.</summary>
    public double? QuietMinutes { get; set; }

    public int? PollSeconds { get; set; }

    /// <summary>CI gate URL template with <c>{rev}</c>; returns GitHub combined status or <c>{"state":"success"}</c>.</summary>
    public string? CiUrl { get; set; }
}

/// <summary>What a kind of host carries and how it is updated.</summary>
public sealed record RoleConfig
{
    /// <summary>Repo name to checkout location on the host (relative to basedir, or absolute).</summary>
    public Dictionary<string, RoleRepo> Repos { get; set; } = new(StringComparer.Ordinal);

    public List<StepConfig> Steps { get; set; } = [];

    /// <summary>The step that moves working copies to <c>{rev:REPO}</c>; re-run with the old revisions to restore a host.</summary>
    public string UpdateStep { get; set; } = "update";
}

public sealed record RoleRepo
{
    public string Path { get; set; } = "";

    /// <summary>Command template printing the checked-out revision; defaults by repo kind.</summary>
    public string? RevisionCommand { get; set; }
}

public sealed record StepConfig
{
    public string Name { get; set; } = "";

    public string Command { get; set; } = "";

    public int TimeoutSeconds { get; set; } = 300;

    /// <summary>A failing gate step skips the later steps and restores the host's previous revisions.</summary>
    public bool Gate { get; set; }
}

public enum TransportKind
{
    Ssh,
    Local,
}

public sealed record HostConfig
{
    public string Name { get; set; } = "";

    public string? Address { get; set; }

    public int? Port { get; set; }

    public string? User { get; set; }

    public string Role { get; set; } = "";

    public string Basedir { get; set; } = "";

    public TransportKind Transport { get; set; } = TransportKind.Ssh;

    public bool Enabled { get; set; } = true;

    /// <summary>Pinned host key, <c>SHA256:base64</c> as printed by <c>ssh-keygen -lf</c>.</summary>
    public string? HostKeyFingerprint { get; set; }
}

public sealed record SshSettings
{
    public string User { get; set; } = "";

    public int Port { get; set; } = 22;

    /// <summary>Private key file; may be overridden by <see cref="KeyFileEnv"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Environment variable naming the key file (takes precedence over <see cref="KeyFile"/>).</summary>
    public string KeyFileEnv { get; set; } = "CHATOPS_SSH_KEY";

    /// <summary>Environment variable holding the key's passphrase, if any.</summary>
    public string KeyPassphraseEnv { get; set; } = "CHATOPS_SSH_KEY_PASSPHRASE";

    public string? KnownHosts { get; set; }

    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// SSH handshakes in progress at once, on top of <c>rollout.parallelism</c>: key exchange and authentication are
    /// CPU work on the bot's machine, and more of them than its CPUs can do stretches every one towards the connect timeout.
    /// </summary>
    public int MaxConcurrentHandshakes { get; set; } = 8;

    /// <summary>Bytes of stdout and of stderr kept per command (the tail).</summary>
    public int MaxOutputBytes { get; set; } = 64 * 1024;

    /// <summary>Key exchange algorithms to offer, in order; null for the default order (see SshAlgorithms).</summary>
    public IReadOnlyList<string>? KeyExchange { get; set; }
}

public sealed record RolloutSettings
{
    public int CanaryCount { get; set; } = 1;

    public int Parallelism { get; set; } = 10;

    public int ConnectAttempts { get; set; } = 3;

    public double ConnectBackoffSeconds { get; set; } = 1;

    /// <summary>The CPU priority of <c>local</c> hosts' commands, which run on the bot's own machine.</summary>
    public LocalHostPriority LocalPriority { get; set; } = LocalHostPriority.BelowNormal;
}

/// <summary>
/// How <c>local</c> hosts' commands share the bot's machine with the bot: <see cref="BelowNormal"/> (nice 10) keeps the
/// bot answering while many run; <see cref="Idle"/> (nice 19) favours the bot further, at the cost of the hosts' steps
/// on a machine busy with other work; <see cref="Normal"/> runs them at the bot's own priority.
/// </summary>
public enum LocalHostPriority
{
    BelowNormal,
    Idle,
    Normal,
}

public sealed record DemoSettings
{
    /// <summary>Create the demo's upstream repos and host directories when missing.</summary>
    public bool Create { get; set; } = true;
}
