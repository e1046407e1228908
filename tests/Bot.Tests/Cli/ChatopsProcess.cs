using System.Diagnostics;
using System.Text;

namespace ChatOpsReconfig.Bot.Tests.Cli;

/// <summary>The built <c>chatops</c> run as its own process (as Nagios or a release script runs it), output captured line by line.</summary>
public sealed class ChatopsProcess : IDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly SemaphoreSlim _changed = new(0);

    private ChatopsProcess(Process process) => _process = process;

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToList(); }
    }

    public static ChatopsProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "chatops.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("CHATOPS_WEB_TOKEN");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var process = new Process { StartInfo = psi };
        var run = new ChatopsProcess(process);
        process.OutputDataReceived += (_, e) => run.Add(e.Data);
        process.ErrorDataReceived += (_, e) => run.Add(e.Data is null ? null : "stderr: " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return run;
    }

    /// <summary>Runs to the end; returns the exit code and stdout (stderr lines prefixed).</summary>
    public static async Task<(int Exit, IReadOnlyList<string> Lines)> RunAsync(params string[] args)
    {
        using var run = Start(null, args);
        var exit = await run.ExitAsync();
        return (exit, run.Lines);
    }

    public async Task<int> ExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    /// <summary>Waits for an output line containing <paramref name="text"/>; fails with the output so far.</summary>
    public async Task<string> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
            if (found is not null) return found;
            var left = deadline - DateTime.UtcNow;
            Assert.True(left > TimeSpan.Zero && !_process.HasExited, $"no line with '{text}'; output:\n{string.Join('\n', Lines)}");
            await _changed.WaitAsync(left);
        }
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_gate) _lines.Add(line);
        _changed.Release();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
