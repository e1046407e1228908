using System.Globalization;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>
/// A bare git repository holding only the production branch: <c>git init --bare</c>, then
/// <c>git fetch URL +refs/heads/BRANCH:refs/heads/BRANCH</c> on every poll. Commands name the repository with
/// <c>--git-dir</c>, so git never wanders into an enclosing repository.
/// </summary>
internal sealed class GitMirror(string path, string url, string branch, int maxCommits, TimeSpan fetchTimeout, TimeProvider time) : IRepoMirror
{
    private const string Format = "--format=%H%x1f%at%x1f%an%x1f%ae%x1f%B";

    private bool _checked;

    public async Task<FetchResult> FetchAsync(CancellationToken cancellationToken)
    {
        var ready = await EnsureMirrorAsync(cancellationToken);
        if (ready is not null) return FetchResult.Failure(ready);

        var refspec = $"+refs/heads/{branch}:refs/heads/{branch}";
        var fetch = await GitAsync(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--no-recurse-submodules", "--", url, refspec], fetchTimeout, cancellationToken);
        if (!fetch.Ok)
        {
            // Whether the remote or our mirror is at fault cannot be told from here: look at the mirror again next time.
            _checked = false;
            return FetchResult.Failure(fetch.Failure(RepoFailureKind.RemoteFailed, "git fetch"));
        }

        var head = await GitAsync(["rev-parse", "--verify", "--end-of-options", $"refs/heads/{branch}^{{commit}}"], RepoMirror.LocalTimeout, cancellationToken);
        var rev = head.Stdout.Trim();
        if (!head.Ok || !CommitLog.IsRevision(rev))
        {
            _checked = false;
            return FetchResult.Failure(new RepoFailure { Kind = RepoFailureKind.MirrorHasNoBranch, Branch = branch, Detail = head.FirstErrorLine });
        }

        return FetchResult.Success(rev);
    }

    public async Task<CommitLog> LogAsync(string oldHead, string newHead, CancellationToken cancellationToken)
    {
        if (!CommitLog.IsRevision(oldHead) || !CommitLog.IsRevision(newHead)) return CommitLog.NotRevisions();

        // --max-count picks the newest commits before --reverse puts them oldest first.
        var log = await GitAsync(
            ["-c", "i18n.logOutputEncoding=UTF-8", "log", "-z", "--topo-order", "--reverse", "--no-color", "--no-show-signature", Format,
             $"--max-count={maxCommits}", newHead, "--not", oldHead, "--"],
            RepoMirror.LocalTimeout, cancellationToken);
        if (!log.Ok)
        {
            _checked = false;
            return CommitLog.Failure(log.Failure(RepoFailureKind.CommandFailed, "git log"));
        }

        var parsed = CommitLog.Parse(log.Stdout);
        if (!parsed.Ok || parsed.Commits.Count < maxCommits) return parsed;

        var count = await GitAsync(["rev-list", "--count", newHead, "--not", oldHead, "--"], RepoMirror.LocalTimeout, cancellationToken);
        return int.TryParse(count.Stdout.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var total) && count.Ok
            ? parsed with { Total = total }
            : CommitLog.Failure(count.Failure(RepoFailureKind.CommandFailed, "git rev-list --count"));
    }

    public async Task<bool> IsAncestorAsync(string ancestor, string descendant, CancellationToken cancellationToken)
    {
        if (!CommitLog.IsRevision(ancestor) || !CommitLog.IsRevision(descendant)) return false;
        // Exit 0: ancestor; 1: not; anything else (the old head is not in a recreated mirror): not provably, so a rewrite.
        var result = await GitAsync(["merge-base", "--is-ancestor", ancestor, descendant], RepoMirror.LocalTimeout, cancellationToken);
        return result.Ok;
    }

    private async Task<RepoFailure?> EnsureMirrorAsync(CancellationToken cancellationToken)
    {
        if (_checked) return null;
        if (Directory.Exists(path))
        {
            var probe = await GitAsync(["rev-parse", "--is-bare-repository"], RepoMirror.LocalTimeout, cancellationToken);
            if (probe.Ok && probe.Stdout.Trim() == "true")
            {
                _checked = true;
                return null;
            }
        }

        RepoMirror.Remove(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path) ?? path);
        var init = await ProcessRunner.RunAsync("git", ["init", "--quiet", "--bare", path], null, RepoMirror.LocalTimeout, time, cancellationToken);
        if (!init.Ok) return init.Failure(RepoFailureKind.MirrorNotCreated, "git init") with { Path = path };
        _checked = true;
        return null;
    }

    private Task<ProcessResult> GitAsync(IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync("git", ["--git-dir=" + path, .. args], null, timeout, time, cancellationToken);
}
