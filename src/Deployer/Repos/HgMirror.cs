namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>
/// A Mercurial repository without a working copy (<c>hg init</c>, the same as an empty <c>hg clone -U</c>). Each
/// fetch asks the remote for the branch head (<c>hg identify</c>) and pulls exactly that changeset, so changesets
/// stripped upstream but still in the mirror never pass for the head.
/// </summary>
internal sealed class HgMirror(string path, string url, string branch, int maxCommits, TimeSpan fetchTimeout, TimeProvider time) : IRepoMirror
{
    private const string Template = "{node}\\x1f{date|hgdate}\\x1f{author|person}\\x1f{author|email}\\x1f{desc}\\x00";

    // HGPLAIN is set by ProcessRunner; without HGENCODING, LC_ALL=C would turn every non-ASCII character into '?'.
    private static readonly Dictionary<string, string> Environment = new(StringComparer.Ordinal) { ["HGENCODING"] = "utf-8" };

    // A poll that finds a push runs hg four times, and each start of Mercurial's Python costs 0.2 s on an idle host
    // and 1-2 s on a busy one: seconds between a push and its announcement. chg, shipped with Mercurial, runs the same
    // commands in a forked, already warm command server (about 50 ms each); the server leaves once idle for 5 minutes.
    // A command killed on timeout stops the chg client only; its worker in the server finishes on its own.
    private static readonly string Executable = IsOnPath("chg") ? "chg" : "hg";
    private static readonly string[] ServerOptions = ["--config", "chgserver.idletimeout=300"];

    // Sound (or freshly created) and not failed since; after a failed pull the mirror is suspect until hg vouches for it.
    private bool _checked;
    private bool _suspect;
    private string? _lastHead;

    public async Task<FetchResult> FetchAsync(CancellationToken cancellationToken)
    {
        var ready = await EnsureMirrorAsync(cancellationToken);
        if (ready is not null) return FetchResult.Failure(ready);

        var identify = await HgAsync(["identify", "--debug", "--id", "-r", branch, "--", url], fetchTimeout, cancellationToken);
        if (!identify.Ok) return FetchResult.Failure(identify.Failure(RepoFailureKind.RemoteFailed, "hg identify"));
        var head = identify.Stdout.Trim();
        if (!CommitLog.IsRevision(head)) return FetchResult.Failure(new RepoFailure { Kind = RepoFailureKind.UnexpectedAnswer, Command = "hg identify", Detail = SafeText.Clean(head, 80) });

        if (head == _lastHead) return FetchResult.Success(head);

        // Pulling a changeset the mirror already has is cheap ("no changes found"), and pull -r fails when it cannot get it.
        // --force: a remote recreated with unrelated history is a rewrite to report, not a reason to stop watching.
        var pull = await HgAsync(["-R", path, "pull", "--quiet", "--force", "-r", head, "--", url], fetchTimeout, cancellationToken);
        if (!pull.Ok)
        {
            // Whether the remote or our mirror is at fault cannot be told from here: look at the mirror again next time.
            _checked = false;
            _suspect = true;
            _lastHead = null;
            return FetchResult.Failure(pull.Failure(RepoFailureKind.RemoteFailed, "hg pull"));
        }

        _lastHead = head;
        return FetchResult.Success(head);
    }

    public async Task<CommitLog> LogAsync(string oldHead, string newHead, CancellationToken cancellationToken)
    {
        if (!CommitLog.IsRevision(oldHead) || !CommitLog.IsRevision(newHead)) return CommitLog.NotRevisions();

        // Local revision numbers always put parents before children, so sorting by them is oldest first.
        var range = $"only({newHead}, {oldHead})";
        var log = await HgAsync(["-R", path, "log", "-r", $"last(sort({range}, rev), {maxCommits})", "-T", Template], RepoMirror.LocalTimeout, cancellationToken);
        if (!log.Ok)
        {
            _checked = false;
            _suspect = true;
            _lastHead = null;
            return CommitLog.Failure(log.Failure(RepoFailureKind.CommandFailed, "hg log"));
        }

        var parsed = CommitLog.Parse(log.Stdout);
        if (!parsed.Ok || parsed.Commits.Count < maxCommits) return parsed;

        var count = await HgAsync(["-R", path, "log", "-r", range, "-T", "x"], RepoMirror.LocalTimeout, cancellationToken);
        return count.Ok ? parsed with { Total = count.Stdout.Trim().Length } : CommitLog.Failure(count.Failure(RepoFailureKind.CommandFailed, "hg log (count)"));
    }

    public async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken cancellationToken)
    {
        if (!CommitLog.IsRevision(ancestor) || !CommitLog.IsRevision(descendant)) return false;
        // An unknown old head (a recreated mirror) makes hg abort: not provably an ancestor, so a rewrite.
        var result = await HgAsync(["-R", path, "log", "-r", $"{ancestor} and ancestors({descendant})", "-T", "{node}"], RepoMirror.LocalTimeout, cancellationToken);
        return result.Ok && result.Stdout.Trim() == ancestor;
    }

    private async Task<RepoFailure?> EnsureMirrorAsync(CancellationToken cancellationToken)
    {
        if (_checked) return null;
        // Starting hg costs half a second on a busy host: trust the files unless a pull has failed since.
        var looksRight = File.Exists(Path.Combine(path, ".hg", "requires")) && Directory.Exists(Path.Combine(path, ".hg", "store"));
        if (looksRight && (!_suspect || await IsSoundAsync(cancellationToken)))
        {
            _checked = true;
            _suspect = false;
            return null;
        }

        RepoMirror.Remove(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path) ?? path);
        var init = await HgAsync(["init", "--", path], RepoMirror.LocalTimeout, cancellationToken);
        if (!init.Ok) return init.Failure(RepoFailureKind.MirrorNotCreated, "hg init") with { Path = path };
        _checked = true;
        _suspect = false;
        return null;
    }

    private async Task<bool> IsSoundAsync(CancellationToken cancellationToken)
    {
        var probe = await HgAsync(["-R", path, "log", "-r", "tip", "-T", "{node}"], RepoMirror.LocalTimeout, cancellationToken);
        return probe.Ok && CommitLog.IsRevision(probe.Stdout.Trim());
    }

    private Task<ProcessResult> HgAsync(IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(Executable, [.. ServerOptions, .. args], null, timeout, time, cancellationToken, Environment);

    private static bool IsOnPath(string file) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, file)));
}
