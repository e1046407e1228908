using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace ChatOpsReconfig.EndToEnd.Fixtures;

/// <summary>
/// The real <c>chatops</c> process in console mode, in a temporary directory holding a copy of the demo config.
/// Tests write chat lines to its stdin and wait for lines on its stdout.
/// </summary>
public sealed class BotProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<string> _errors = [];
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _changed = new(0);

    private BotProcess(Process process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    public string Directory { get; }

    public string ConfigPath => Path.Combine(Directory, "config", "chatops.json");

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToList(); }
    }

    public string Stderr
    {
        get { lock (_gate) return string.Join('\n', _errors); }
    }

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>The process's peak resident set so far (VmHWM), in bytes.</summary>
    public long PeakRssBytes =>
        File.ReadLines($"/proc/{_process.Id}/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024).Single();

    /// <summary>A fresh directory with the repo's demo config copied in (edited by <paramref name="edit"/>).</summary>
    public static string PrepareDirectory(Action<JsonObject>? edit = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "chatops-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "config"));
        var text = File.ReadAllText(Path.Combine(RepoRoot(), "config", "chatops.json"));
        var json = JsonNode.Parse(text, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        json["web"] = new JsonObject { ["enabled"] = false, ["url"] = "http://127.0.0.1:0" };
        edit?.Invoke(json);
        File.WriteAllText(Path.Combine(dir, "config", "chatops.json"), json.ToJsonString());
        return dir;
    }

    public static BotProcess Start(string directory, params string[] args) => Start(directory, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Start(string, string[])"/>, with extra environment variables (a connection string).</summary>
    public static BotProcess Start(string directory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "chatops.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["CHATOPS_LOG_LEVEL"] = "Information";
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var bot = new BotProcess(process, directory);
        process.OutputDataReceived += (_, e) => bot.Add(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => bot.Add(e.Data, stdout: false);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return bot;
    }

    private void Add(string? line, bool stdout)
    {
        if (line is null) return;
        lock (_gate) (stdout ? _lines : _errors).Add(line);
        _changed.Release();
    }

    public async Task SayAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    public async Task WriteRawAsync(byte[] bytes)
    {
        await _process.StandardInput.BaseStream.WriteAsync(bytes);
        await _process.StandardInput.BaseStream.FlushAsync();
    }

    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>Waits until the process writes a line on stdout or stderr, at most <paramref name="max"/>: for state it shows elsewhere too (<c>/healthz</c>).</summary>
    public Task<bool> OutputAsync(TimeSpan max) => _changed.WaitAsync(max);

    /// <summary>Waits for a stdout line (after index <paramref name="from"/>) matching the predicate; fails with the output on timeout.</summary>
    public Task<(string Line, int Index)> WaitForAsync(Func<string, bool> match, int from = 0, int timeoutSeconds = 120) =>
        WaitForAsync(() => Lines, match, from, timeoutSeconds);

    /// <summary>Waits for a log line on stderr containing <paramref name="contains"/> (logs at Information, see <see cref="Start"/>).</summary>
    public Task<(string Line, int Index)> WaitForLogAsync(string contains, int timeoutSeconds = 120) =>
        WaitForAsync(() => { lock (_gate) return _errors.ToList(); }, l => l.Contains(contains, StringComparison.Ordinal), 0, timeoutSeconds);

    private async Task<(string Line, int Index)> WaitForAsync(Func<IReadOnlyList<string>> source, Func<string, bool> match, int from, int timeoutSeconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var lines = source();
            for (var i = from; i < lines.Count; i++)
                if (match(lines[i])) return (lines[i], i);
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _process.HasExited && !await _changed.WaitAsync(100))
            {
                if (_process.HasExited)
                {
                    lines = source();
                    for (var i = from; i < lines.Count; i++)
                        if (match(lines[i])) return (lines[i], i);
                }

                throw new TimeoutException($"no matching line after {timeoutSeconds}s (exited: {_process.HasExited}).\nstdout:\n{string.Join('\n', Lines)}\nstderr:\n{Stderr}");
            }

            await _changed.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
    }

    public Task<(string Line, int Index)> WaitForAsync(string contains, int from = 0, int timeoutSeconds = 120) =>
        WaitForAsync(l => l.Contains(contains, StringComparison.Ordinal), from, timeoutSeconds);

    public async Task<int> WaitForExitAsync(int timeoutSeconds = 120)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as systemd or Ctrl-C would.</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>SIGSTOP: the process is paused (a stalled VM, a debugger).</summary>
    public void Pause() => Signal("STOP");

    /// <summary>SIGCONT: a paused process runs again.</summary>
    public void Resume() => Signal("CONT");

    /// <summary>SIGKILL: a crash.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    private void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { /* exited meanwhile */ }
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ChatOpsReconfig.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repo root (ChatOpsReconfig.sln) not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs git in a directory and returns its trimmed stdout; <c>rev-parse HEAD</c> of a plain working copy is read from its files (<see cref="Deployer.Tests.Fixtures.Shell.GitWorkingHead"/>).</summary>
    public static string Git(string cwd, params string[] args) =>
        (args is ["rev-parse", "HEAD"] ? Deployer.Tests.Fixtures.Shell.GitWorkingHead(cwd) : null) ?? RunGit(cwd, args);

    private static string RunGit(string cwd, string[] args) => Run("git", cwd, args, new()
    {
        ["GIT_AUTHOR_NAME"] = "Test Releng",
        ["GIT_AUTHOR_EMAIL"] = "test@example.com",
        ["GIT_COMMITTER_NAME"] = "Test Releng",
        ["GIT_COMMITTER_EMAIL"] = "test@example.com",
    });

    /// <summary>
    /// Runs hg in a directory (plain output, the same committer as <see cref="Git"/>) and returns its trimmed stdout;
    /// through chg when installed: starting Mercurial's Python takes seconds on a busy machine, chg's warm server less.
    /// The environment is the one the bot runs chg with (its HgMirror), so the test and the bot share one server: chg
    /// keys servers on HG*, LC_* and PATH, and with two in one socket directory each command of one is first
    /// redirected from the other (another fork of a server, a third of a second of CPU here).
    /// </summary>
    public static string Hg(string cwd, params string[] args) => Run(HgExecutable, cwd, [.. HgServerOptions, .. args], new()
    {
        ["HGUSER"] = "Test Releng <test@example.com>",
        ["HGPLAIN"] = "1",
        ["HGENCODING"] = "utf-8",
        ["LC_ALL"] = "C",
    });

    private static readonly string HgExecutable =
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "chg"))) ? "chg" : "hg";

    // The test's chg server leaves a minute after the last command.
    private static readonly string[] HgServerOptions = HgExecutable == "chg" ? ["--config", "chgserver.idletimeout=60"] : [];

    private static string Run(string file, string cwd, string[] args, Dictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {error}");
        return output.Trim();
    }
}
