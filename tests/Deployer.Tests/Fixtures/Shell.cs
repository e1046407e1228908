using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>Runs real programs for tests (sh, git); a generous timeout only guards against a hung test.</summary>
public static class Shell
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string> GitIdentity = new()
    {
        ["GIT_AUTHOR_NAME"] = "Test Releng", ["GIT_AUTHOR_EMAIL"] = "releng@example.com",
        ["GIT_COMMITTER_NAME"] = "Test Releng", ["GIT_COMMITTER_EMAIL"] = "releng@example.com",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
    };

    /// <summary>Runs <c>/bin/sh -c</c>; returns stdout, throws on a non-zero exit.</summary>
    public static async Task<string> ShAsync(string command, string? cwd = null)
    {
        var r = await ProcessRunner.RunAsync("/bin/sh", ["-c", command], cwd, Guard, TimeProvider.System, CancellationToken.None);
        if (!r.Ok) throw new InvalidOperationException($"sh -c {command} failed ({r.ExitCode}): {r.Stderr}");
        return r.Stdout;
    }

    /// <summary>Runs git; returns trimmed stdout, throws on failure.</summary>
    public static async Task<string> GitAsync(string? cwd, params string[] args)
    {
        var r = await ProcessRunner.RunAsync("git", args, cwd, Guard, TimeProvider.System, CancellationToken.None, GitIdentity);
        if (!r.Ok) throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({r.ExitCode}): {r.Stderr}");
        return r.Stdout.Trim();
    }

    public static Task<string> RevParseAsync(string workingCopy, string rev = "HEAD") => GitAsync(workingCopy, "rev-parse", rev);

    /// <summary>Creates a named pipe; a test reads it to learn that a command reached a point.</summary>
    public static async Task<string> MakeFifoAsync(string path)
    {
        var r = await ProcessRunner.RunAsync("mkfifo", ["-m", "600", "--", path], null, Guard, TimeProvider.System, CancellationToken.None);
        if (!r.Ok) throw new InvalidOperationException($"mkfifo {path} failed: {r.Stderr}");
        return path;
    }

    /// <summary>Waits until a command writes a line to <paramref name="fifo"/>; returns it.</summary>
    public static Task<string> ReadFifoAsync(string fifo) =>
        Task.Run(() => File.ReadAllText(fifo).Trim()).WaitAsync(Guard);

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
