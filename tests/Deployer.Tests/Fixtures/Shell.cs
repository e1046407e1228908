using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>
/// Runs local tools (ssh-keygen, git, hg, pgrep, sh) for the fixtures and for assertions on what hosts hold; the timeout only
/// guards against a hung test. Named pipes let a test learn that a command reached a point, and release it, without sleeping.
/// </summary>
public static class Shell
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["HGUSER"] = "Test Engineer <test@example.com>",
        ["GIT_AUTHOR_NAME"] = "Test Engineer",
        ["GIT_AUTHOR_EMAIL"] = "test@example.com",
        ["GIT_COMMITTER_NAME"] = "Test Engineer",
        ["GIT_COMMITTER_EMAIL"] = "test@example.com",
    };

    public static Task<ProcessResult> RunAsync(string file, IReadOnlyList<string> args, string? workingDirectory = null) =>
        ProcessRunner.RunAsync(file, args, workingDirectory, Timeout, TimeProvider.System, CancellationToken.None, Environment);

    /// <summary>Runs and insists on exit 0; returns trimmed stdout.</summary>
    public static async Task<string> CheckAsync(string file, IReadOnlyList<string> args, string? workingDirectory = null)
    {
        var r = await RunAsync(file, args, workingDirectory);
        if (!r.Ok) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({r.ExitCode}): {r.Stderr}{r.Stdout}");
        return r.Stdout.Trim();
    }

    public static Task<string> GitAsync(string repo, params string[] args) => CheckAsync("git", ["-C", repo, .. args]);

    public static Task<string> HgAsync(string repo, params string[] args) => CheckAsync("hg", ["-R", repo, .. args]);

    /// <summary>The full revision a working copy has checked out.</summary>
    public static async Task<string> GitHeadAsync(string workingCopy) => GitWorkingHead(workingCopy) ?? await GitAsync(workingCopy, "rev-parse", "HEAD");

    /// <summary>
    /// What <c>git rev-parse HEAD</c> gives in a working copy's top directory, read as git reads it: <c>.git/HEAD</c>
    /// holds the hash (detached) or names a branch whose loose ref file holds it. The tests ask after every rollout for
    /// every host, and each git start costs tens of milliseconds of CPU on a busy machine. Null (ask git) for
    /// anything else: a packed ref, a <c>.git</c> file, a bare repo, reftable.
    /// </summary>
    public static string? GitWorkingHead(string workingCopy)
    {
        var git = Path.Combine(workingCopy, ".git");
        if (!Directory.Exists(git) || !File.Exists(Path.Combine(git, "HEAD"))) return null;
        var head = File.ReadAllText(Path.Combine(git, "HEAD")).Trim();
        const string Branch = "ref: refs/heads/";
        if (head.StartsWith(Branch, StringComparison.Ordinal) && !head.Contains("..", StringComparison.Ordinal))
        {
            var loose = Path.Combine(git, head[5..]);
            head = File.Exists(loose) ? File.ReadAllText(loose).Trim() : "";
        }

        return head.Length == 40 && head.All(char.IsAsciiHexDigitLower) ? head : null;
    }

    /// <summary>The full revision an hg working copy has checked out (<c>hg log -r .</c>).</summary>
    public static async Task<string> HgHeadAsync(string workingCopy) =>
        HgWorkingParent(workingCopy) ?? await HgAsync(workingCopy, "log", "-r", ".", "-T", "{node}");

    /// <summary>
    /// The first parent of an hg working copy, as hg itself finds it: the first 20 bytes of <c>.hg/dirstate</c> (format
    /// v1, Mercurial's default). Reading them costs nothing where starting hg costs half a second of CPU on a busy
    /// machine, and the tests ask after every rollout for every host. Null (ask hg) for a dirstate-v2 working copy, or
    /// one with no dirstate yet.
    /// </summary>
    public static string? HgWorkingParent(string workingCopy)
    {
        var hg = Path.Combine(workingCopy, ".hg");
        var path = Path.Combine(hg, "dirstate");
        if (!File.Exists(path) || File.ReadAllLines(Path.Combine(hg, "requires")).Contains("dirstate-v2", StringComparer.Ordinal)) return null;
        var parents = new byte[20];
        using (var dirstate = File.OpenRead(path)) dirstate.ReadExactly(parents);
        return Convert.ToHexStringLower(parents);
    }

    /// <summary>The node <c>hg commit --debug</c> printed ("committed changeset 3:&lt;node&gt;"): no second hg start to ask for it.</summary>
    public static string CommittedChangeset(string debugOutput)
    {
        const string Marker = "committed changeset ";
        var line = debugOutput.Split('\n').Single(l => l.StartsWith(Marker, StringComparison.Ordinal));
        return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }

    /// <summary>A revision of a git working copy or repo, in full.</summary>
    public static async Task<string> RevParseAsync(string repo, string rev = "HEAD") =>
        (rev == "HEAD" ? GitWorkingHead(repo) : null) ?? await GitAsync(repo, "rev-parse", rev);

    /// <summary>Runs <c>/bin/sh -c</c>; returns stdout (untrimmed), throws on a non-zero exit.</summary>
    public static async Task<string> ShAsync(string command, string? workingDirectory = null)
    {
        var r = await RunAsync("/bin/sh", ["-c", command], workingDirectory);
        if (!r.Ok) throw new InvalidOperationException($"sh -c {command} failed ({r.ExitCode}): {r.Stderr}");
        return r.Stdout;
    }

    /// <summary>Creates a named pipe; a test reads it to learn that a command reached a point.</summary>
    public static async Task<string> MakeFifoAsync(string path)
    {
        await CheckAsync("mkfifo", ["-m", "600", "--", path]);
        return path;
    }

    /// <summary>Waits until a command writes a line to <paramref name="fifo"/>; returns it.</summary>
    public static Task<string> ReadFifoAsync(string fifo) =>
        Task.Run(() => File.ReadAllText(fifo).Trim()).WaitAsync(Timeout);

    /// <summary>Writes to a fifo without blocking when nobody reads it (O_RDWR never waits for a peer).</summary>
    public static void ReleaseFifo(string fifo)
    {
        using var stream = new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite);
        stream.Write("go\n"u8);
    }

    /// <summary>True while a process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }
}
