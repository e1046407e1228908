using System.Globalization;
using ChatOpsReconfig.Deployer;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>
/// How a failed fetch or read of a repo reads, in chat, the CLI and the web page: <c>git log failed: fatal: …</c>,
/// <c>hg pull timed out after 60s</c>. What git, hg or the system said is echoed through the sanitizer; a repo state
/// stored by an older build shows its stored words.
/// </summary>
internal static class RepoText
{
    private const int MaxDetail = 200;

    public static string Failure(RepoFailure f) => f.Kind switch
    {
        RepoFailureKind.CannotRun => $"cannot run {f.Command}: {Echo(f.Detail)}",
        RepoFailureKind.TimedOut => Invariant($"{f.Command} timed out after {f.TimeoutSeconds}s"),
        RepoFailureKind.RemoteFailed => Said(f),
        RepoFailureKind.CommandFailed => $"{f.Command} failed: {Said(f)}",
        RepoFailureKind.MirrorNotCreated => $"cannot create mirror {f.Path}: {Said(f)}",
        RepoFailureKind.MirrorHasNoBranch => $"fetched, but the mirror has no branch {f.Branch}" + (f.Detail is null ? "" : ": " + Echo(f.Detail)),
        RepoFailureKind.BranchNotFound => $"branch {f.Branch} not found",
        RepoFailureKind.UnexpectedAnswer => $"unexpected answer from {f.Command}: {Echo(f.Detail)}",
        RepoFailureKind.NotARevision => "not a full revision",
        RepoFailureKind.UnreadableLog => Invariant($"unreadable log output at commit {f.Commit}: {Echo(f.Detail)}"),
        RepoFailureKind.UnknownRepo => $"no repo named '{f.Repo}'",
        _ => f.Kind.ToString(),
    };

    /// <summary>The failure with its repo named first, for lists of heads: <c>tools: branch production not found</c>.</summary>
    public static string Problem(RepoFailure f) => f.Repo is null || f.Kind == RepoFailureKind.UnknownRepo ? Failure(f) : $"{f.Repo}: {Failure(f)}";

    /// <summary><c>cannot read production heads: tools (git fetch timed out after 60s), custom</c>: which repos, and why when known.</summary>
    public static string HeadsUnreadable(IEnumerable<UnreadableRepo> repos) =>
        "cannot read production heads: " + string.Join(", ", repos.Select(u => Failure(u.Failure, u.LegacyError) is { } why ? $"{u.Repo} ({Echo(why)})" : u.Repo));

    /// <summary>Why the repo's last poll failed (its stored words, for a state an older build saved); null when it did not.</summary>
    public static string? LastFailure(RepoState state) => Failure(state.LastFailure, state.LegacyLastError);

    /// <summary>The failure, or <paramref name="legacy"/> words an older build stored in its place.</summary>
    public static string? Failure(RepoFailure? failure, string? legacy) => failure is not null ? Failure(failure) : legacy;

    private static string Said(RepoFailure f) => f.Detail is not null ? Echo(f.Detail) : Invariant($"exit {f.ExitCode}");

    private static string Echo(string? text) => SafeText.Clean(text, MaxDetail);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
