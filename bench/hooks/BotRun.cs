using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ChatOpsReconfig.Bench.Hooks;

/// <summary>The real <c>chatops</c> process on a config file: stdout and stderr lines with the time each was read, and its CPU.</summary>
internal sealed partial class BotRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<(long At, string Line)> _stdout = [];
    private readonly List<(long At, string Line)> _stderr = [];
    private readonly SemaphoreSlim _changed = new(0);

    private BotRun(Process process) => _process = process;

    public int Pid => _process.Id;

    public Uri? Url { get; private set; }

    public static async Task<BotRun> StartAsync(string directory, IReadOnlyDictionary<string, string> environment)
    {
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
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "chatops.dll"));
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(Path.Combine(directory, "chatops.json"));
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        var run = new BotRun(new Process { StartInfo = psi });
        run._process.OutputDataReceived += (_, e) => run.Add(run._stdout, e.Data);
        run._process.ErrorDataReceived += (_, e) => run.Add(run._stderr, e.Data);
        run._process.Start();
        run._process.BeginOutputReadLine();
        run._process.BeginErrorReadLine();
        // stdin stays open: at end of input the console bot would stop once idle.
        var (listening, _) = await run.WaitAsync(l => l.Contains("Web: listening on ", StringComparison.Ordinal), TimeSpan.FromSeconds(60), stderr: true);
        run.Url = new Uri(ListeningUrl().Match(listening).Groups[1].Value);
        return run;
    }

    public int StdoutCount
    {
        get { lock (_gate) return _stdout.Count; }
    }

    public int StderrCount
    {
        get { lock (_gate) return _stderr.Count; }
    }

    /// <summary>The first line (from index <paramref name="from"/> on) that matches, and the Stopwatch timestamp when it was read.</summary>
    public async Task<(string Line, long At)> WaitAsync(Func<string, bool> match, TimeSpan timeout, int from = 0, bool stderr = false)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            lock (_gate)
            {
                var lines = stderr ? _stderr : _stdout;
                for (var i = from; i < lines.Count; i++)
                    if (match(lines[i].Line)) return (lines[i].Line, lines[i].At);
            }

            var left = deadline - Stopwatch.GetTimestamp();
            if (left <= 0 || _process.HasExited)
                throw new TimeoutException($"no matching line (exited: {_process.HasExited}); stderr tail:\n{string.Join('\n', Tail(_stderr))}\nstdout tail:\n{string.Join('\n', Tail(_stdout))}");
            await _changed.WaitAsync(TimeSpan.FromMilliseconds(Math.Min(500, left * 1000.0 / Stopwatch.Frequency)));
        }
    }

    /// <summary>Every stderr line from <paramref name="from"/> on.</summary>
    public IReadOnlyList<(long At, string Line)> Stderr(int from)
    {
        lock (_gate) return _stderr.Skip(from).ToList();
    }

    /// <summary>
    /// CPU time in ms from /proc/PID/stat: the bot itself, and the git and hg it ran: its reaped children plus the chg
    /// command servers of the mirrors (chg runs each hg command in a worker forked by the server, not by the bot).
    /// </summary>
    public (double Self, double Children) Cpu()
    {
        var (self, children) = ProcessCpu(Pid);
        foreach (var server in ChgServers())
        {
            var (s, c) = ProcessCpu(server);
            children += s + c;
        }

        return (self, children);
    }

    private static (double Self, double Children) ProcessCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After "pid (comm) ", field 3 (state) is index 0, so utime (14) is index 11.
        double Ticks(int field) => double.Parse(fields[field - 3], CultureInfo.InvariantCulture) * 1000.0 / ClockTicks;
        return (Ticks(14) + Ticks(15), Ticks(16) + Ticks(17));
    }

    /// <summary>The chg servers the mirrors start (told apart by their idle timeout option); one, unless other bots share it.</summary>
    private static List<int> ChgServers()
    {
        var found = new Dictionary<int, string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (!cmdline.Contains("--cmdserver chgunix", StringComparison.Ordinal) || !cmdline.Contains("chgserver.idletimeout=300", StringComparison.Ordinal)) continue;
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                found[pid] = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1];
            }
            catch (IOException)
            {
                // The process ended meanwhile.
            }
        }

        // A worker is the server's fork and shows in the server's cutime once reaped: count servers only.
        return found.Where(kv => !found.ContainsKey(int.Parse(kv.Value, CultureInfo.InvariantCulture))).Select(kv => kv.Key).ToList();
    }

    private static readonly double ClockTicks = double.Parse(Shell.Run("getconf", ["CLK_TCK"]).Trim(), CultureInfo.InvariantCulture);

    private void Add(List<(long At, string Line)> lines, string? line)
    {
        if (line is null) return;
        var at = Stopwatch.GetTimestamp();
        lock (_gate) lines.Add((at, line));
        _changed.Release();
    }

    private List<string> Tail(List<(long At, string Line)> lines)
    {
        lock (_gate) return lines.TakeLast(15).Select(l => l.Line).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Web: listening on (\S+)")]
    private static partial Regex ListeningUrl();
}
