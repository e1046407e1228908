namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Why reading a repo failed; the Bot's <c>RepoText</c> says it in words.</summary>
public enum RepoFailureKind
{
    /// <summary><see cref="RepoFailure.Command"/> could not be started; <see cref="RepoFailure.Detail"/> is the system's reason.</summary>
    CannotRun,

    /// <summary><see cref="RepoFailure.Command"/> ran past <see cref="RepoFailure.TimeoutSeconds"/> and was killed.</summary>
    TimedOut,

    /// <summary>The remote refused or could not be reached (fetch, pull, identify, ls-remote): <see cref="RepoFailure.Detail"/> is its first error line.</summary>
    RemoteFailed,

    /// <summary>A local command on the mirror failed (log, count): <see cref="RepoFailure.Detail"/> is its first error line.</summary>
    CommandFailed,

    /// <summary>The mirror at <see cref="RepoFailure.Path"/> could not be created.</summary>
    MirrorNotCreated,

    /// <summary>The fetch worked, but the mirror has no <see cref="RepoFailure.Branch"/>.</summary>
    MirrorHasNoBranch,

    /// <summary>The remote has no <see cref="RepoFailure.Branch"/>.</summary>
    BranchNotFound,

    /// <summary><see cref="RepoFailure.Command"/> answered something that is not a revision (<see cref="RepoFailure.Detail"/>).</summary>
    UnexpectedAnswer,

    /// <summary>Commits were asked for between values that are not full revisions.</summary>
    NotARevision,

    /// <summary>The log output could not be read at commit number <see cref="RepoFailure.Commit"/> (<see cref="RepoFailure.Detail"/>: that record).</summary>
    UnreadableLog,

    /// <summary>No repo named <see cref="RepoFailure.Repo"/> is configured.</summary>
    UnknownRepo,
}

/// <summary>
/// A failed fetch or read of a repo, as facts: which command, which branch, how long. <see cref="Detail"/> carries only
/// text that is not ours (git's or hg's own error line, the system's reason, an unreadable answer), to be echoed
/// through the sanitizer.
/// </summary>
public sealed record RepoFailure
{
    public RepoFailureKind Kind { get; init; }

    /// <summary>The repo, where the failure is reported away from it (a list of heads, an unknown name).</summary>
    public string? Repo { get; init; }

    /// <summary>The program and sub-command, e.g. <c>git fetch</c>.</summary>
    public string? Command { get; init; }

    /// <summary>The command's exit code, where it ended without saying why.</summary>
    public int? ExitCode { get; init; }

    public int? TimeoutSeconds { get; init; }

    public string? Branch { get; init; }

    public string? Path { get; init; }

    /// <summary>1-based number of the commit record that could not be read.</summary>
    public int? Commit { get; init; }

    /// <summary>Text that is not ours: git's or hg's first error line, the system's reason, an unexpected answer.</summary>
    public string? Detail { get; init; }

    public static RepoFailure Of(RepoFailureKind kind) => new() { Kind = kind };
}
