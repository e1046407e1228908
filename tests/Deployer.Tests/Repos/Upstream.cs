using System.Diagnostics;
using System.Globalization;
using System.Text;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Deployer.Tests.Repos;

/// <summary>
/// A real upstream repository in a temp directory with a working clone that commits and pushes to its
/// <c>production</c> branch, the way developers would.
/// </summary>
public abstract class Upstream(string root)
{
    public const string Branch = "production";

    private const string FirstMessage = "Initial commit";

    /// <summary>Set to copy a prepared first commit instead of making one; starting hg is slow on a busy machine.</summary>
    public UpstreamTemplates? Templates { get; init; }

    public string Root { get; } = root;

    /// <summary>What the watcher fetches from.</summary>
    public string Url => Path.Combine(Root, "upstream");

    protected string Work => Path.Combine(Root, "work");

    public abstract RepoKind Kind { get; }

    public static Upstream Create(RepoKind kind, string root, UpstreamTemplates? templates = null) =>
        kind == RepoKind.Git ? new GitUpstream(root) { Templates = templates } : new HgUpstream(root) { Templates = templates };

    /// <summary>Creates the upstream and the working clone with one commit pushed; returns that commit.</summary>
    public async Task<string> InitAsync(string message = FirstMessage)
    {
        if (Templates is null || message != FirstMessage) return await CreateAsync(message);
        var (template, rev) = await Templates.GetAsync(Kind);
        CopyDirectory(template, Root);
        return rev;
    }

    /// <summary>What <see cref="InitAsync"/> does without a template.</summary>
    protected abstract Task<string> CreateAsync(string message);

    /// <summary>Creates an empty upstream again and pushes the working clone's history to it.</summary>
    public abstract Task RecreateUpstreamAsync();

    /// <summary>Commits in the working clone (not pushed); returns the new revision.</summary>
    public abstract Task<string> CommitAsync(string message, string author = "Alice Example <alice@example.com>");

    public abstract Task PushAsync();

    /// <summary>
    /// Creates upstream with one commit pushed, and <paramref name="count"/> more committed in the working clone,
    /// quickly, for <see cref="PushAsync"/>. Returns the pushed commit.
    /// </summary>
    public abstract Task<string> InitWithManyPendingAsync(int count);

    /// <summary>The working clone's newest commit.</summary>
    public abstract Task<string> HeadAsync();

    /// <summary>Drops the last pushed commit upstream (force-push / strip) and pushes <paramref name="message"/> in its place.</summary>
    public abstract Task<string> RewriteLastAsync(string message);

    public RepoConfig Config => new() { Kind = Kind, Url = Url, Branch = Branch };

    /// <summary>Removes the upstream repository, as if the server lost it.</summary>
    public void DeleteUpstream() => Directory.Delete(Url, recursive: true);

    /// <summary>Removes the upstream and the working clone, so that <see cref="InitAsync"/> starts an unrelated history.</summary>
    public void DeleteAll()
    {
        DeleteUpstream();
        Directory.Delete(Work, recursive: true);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    public static async Task<string> RunAsync(string file, IReadOnlyList<string> args, string? cwd = null, IReadOnlyDictionary<string, string>? env = null, params int[] okExitCodes)
    {
        var result = await ProcessRunner.RunAsync(file, args, cwd, TimeSpan.FromSeconds(60), TimeProvider.System, CancellationToken.None, env);
        if (result.ExitCode != 0 && !okExitCodes.Contains(result.ExitCode))
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}{result.Stdout}");
        return result.Stdout;
    }
}

public sealed class GitUpstream(string root) : Upstream(root)
{
    private static readonly Dictionary<string, string> Env = new(StringComparer.Ordinal)
    {
        ["GIT_COMMITTER_NAME"] = "Committer",
        ["GIT_COMMITTER_EMAIL"] = "committer@example.com",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
    };

    public override RepoKind Kind => RepoKind.Git;

    protected override async Task<string> CreateAsync(string message)
    {
        await GitAsync(null, "init", "--quiet", "--bare", Url);
        await GitAsync(null, "init", "--quiet", "--initial-branch=" + Branch, Work);
        var rev = await CommitAsync(message);
        await PushAsync();
        return rev;
    }

    public override async Task RecreateUpstreamAsync()
    {
        await GitAsync(null, "init", "--quiet", "--bare", Url);
        await PushAsync();
    }

    public override async Task<string> CommitAsync(string message, string author = "Alice Example <alice@example.com>")
    {
        await GitAsync(Work, "commit", "--quiet", "--allow-empty", "--cleanup=verbatim", "--author=" + author, "-m", message);
        return await HeadAsync();
    }

    public override Task PushAsync() => GitAsync(Work, "push", "--quiet", Url, $"+{Branch}:{Branch}");

    public override async Task<string> InitWithManyPendingAsync(int count)
    {
        var parent = await CreateAsync("Initial commit");
        // A single fast-import run writes them all; its first commit names its parent, the rest follow on.
        var stream = new StringBuilder();
        for (var i = 1; i <= count; i++)
        {
            var message = $"Bug {100000 + i} - change {i}\n";
            stream.Append(CultureInfo.InvariantCulture, $"commit refs/heads/{Branch}\n");
            stream.Append(CultureInfo.InvariantCulture, $"author Bulk Author <bulk@example.com> {1700000000 + i} +0000\n");
            stream.Append(CultureInfo.InvariantCulture, $"committer Committer <committer@example.com> {1700000000 + i} +0000\n");
            stream.Append(CultureInfo.InvariantCulture, $"data {Encoding.UTF8.GetByteCount(message)}\n{message}");
            if (i == 1) stream.Append(CultureInfo.InvariantCulture, $"from {parent}\n");
            stream.Append('\n');
        }

        var psi = new ProcessStartInfo("git") { WorkingDirectory = Work, RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "fast-import", "--quiet", "--force" }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!; // Start returns null only for shell-executed documents.
        await process.StandardInput.WriteAsync(stream.ToString());
        process.StandardInput.Close();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException("git fast-import failed: " + stderr);
        await GitAsync(Work, "reset", "--quiet", "--soft", Branch);
        return parent;
    }

    public override async Task<string> RewriteLastAsync(string message)
    {
        await GitAsync(Work, "reset", "--quiet", "--soft", "HEAD~1");
        var rev = await CommitAsync(message);
        await PushAsync();
        return rev;
    }

    public override async Task<string> HeadAsync() => (await GitAsync(Work, "rev-parse", "HEAD")).Trim();

    private static Task<string> GitAsync(string? cwd, params string[] args) => RunAsync("git", args, cwd, Env);
}

public sealed class HgUpstream(string root) : Upstream(root)
{
    // chg keeps one Mercurial process warm between the tests' own commits and pushes: each command is a fork of it,
    // which answers sooner than a new hg on a loaded machine (the CPU is about the same: half a second either way here).
    // The environment is the one HgMirror runs chg with (ProcessRunner adds HGPLAIN and LC_ALL), so both use one
    // server: chg keys its servers on HG*, LC_* and PATH, and in a socket directory holding two, every command of the
    // one that did not start last connects to the other first and is redirected (another fork of the server, a third
    // of a second of CPU here). The server quits after a minute idle.
    private static readonly string Hg = IsOnPath("chg") ? "chg" : "hg";
    private static readonly string[] ServerOptions = Hg == "chg" ? ["--config", "chgserver.idletimeout=60"] : [];

    private static readonly Dictionary<string, string> Env = new(StringComparer.Ordinal)
    {
        ["HGENCODING"] = "utf-8",
        ["HGUSER"] = "Committer <committer@example.com>",
    };

    public override RepoKind Kind => RepoKind.Hg;

    protected override async Task<string> CreateAsync(string message)
    {
        await HgAsync(null, "init", Url);
        await HgAsync(null, "init", Work);
        await HgAsync(Work, "branch", "--quiet", Branch);
        var rev = await CommitAsync(message);
        await PushAsync();
        return rev;
    }

    public override async Task RecreateUpstreamAsync()
    {
        await HgAsync(null, "init", Url);
        await PushAsync();
    }

    public override async Task<string> CommitAsync(string message, string author = "Alice Example <alice@example.com>")
    {
        // Mercurial has no empty commits: change a file each time.
        await File.WriteAllTextAsync(Path.Combine(Work, "file.txt"), Guid.NewGuid().ToString());
        // --debug names the new changeset, which saves starting hg again to ask.
        return Shell.CommittedChangeset(await HgAsync(Work, "commit", "--debug", "--addremove", "-u", author, "-m", message));
    }

    // hg push exits 1 when there is nothing to push.
    public override Task PushAsync() => RunAsync(Hg, [.. ServerOptions, "push", "--quiet", "--new-branch", "--force", "-R", Work, "--", Url], null, Env, 1);

    public override async Task<string> InitWithManyPendingAsync(int count)
    {
        // debugbuilddag is fast but wants an empty repo: build the whole history in the working clone, push its first changeset.
        await HgAsync(null, "init", Work);
        await HgAsync(Work, "debugbuilddag", $"@{Branch} +{count + 1}");
        await HgAsync(null, "init", Url);
        await RunAsync(Hg, [.. ServerOptions, "push", "--quiet", "--new-branch", "-r", "0", "-R", Work, "--", Url], null, Env, 1);
        return (await HgAsync(Work, "log", "-r", "0", "-T", "{node}")).Trim();
    }

    public override async Task<string> RewriteLastAsync(string message)
    {
        var last = await HeadAsync();
        // debugstrip is strip without enabling its extension: chg starts a server of its own for each set of extensions.
        await HgAsync(null, "-R", Url, "debugstrip", "--quiet", "--no-backup", "-r", last);
        await HgAsync(null, "-R", Work, "debugstrip", "--quiet", "--no-backup", "--keep", "-r", last);
        var rev = await CommitAsync(message);
        await PushAsync();
        return rev;
    }

    public override async Task<string> HeadAsync() => (await HgAsync(Work, "log", "-r", "tip", "-T", "{node}")).Trim();

    private static Task<string> HgAsync(string? cwd, params string[] args) => RunAsync(Hg, [.. ServerOptions, .. args], cwd, Env);

    private static bool IsOnPath(string file) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, file)));
}
