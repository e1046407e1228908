using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ChatOpsReconfig.Bench.Scale;

/// <summary>Resident memory of the real <c>chatops</c> process (console chat, stdin kept open) once it idles.</summary>
internal static class IdleRss
{
    public sealed record Result(string Label, long RssKb, long HwmKb, long? RssAfterStatusKb, long? HwmAfterStatusKb, double GreetingSeconds);

    /// <summary>
    /// Starts <c>dotnet chatops.dll</c> in <paramref name="directory"/> (which holds config/chatops.json), waits for
    /// the greeting, idles <paramref name="idleSeconds"/>, reads VmRSS/VmHWM; then optionally asks <c>!status</c>
    /// a few times and reads them again.
    /// </summary>
    public static async Task<Result> MeasureAsync(string label, string directory, int idleSeconds, int statusQueries,
        IReadOnlyDictionary<string, string> environment, TextWriter log, string? chatopsDll = null)
    {
        var dll = chatopsDll ?? Path.Combine(Paths.RepoRoot(), "src", "Bot", "bin", "Release", "net10.0", "chatops.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} not found: dotnet build -c Release src/Bot", dll);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(Path.Combine("config", "chatops.json"));
        foreach (var (k, v) in environment) psi.Environment[k] = v;

        var lines = new List<string>();
        var gate = new Lock();
        var changed = new SemaphoreSlim(0);
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (gate) lines.Add(e.Data);
            changed.Release();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) log.WriteLine("  chatops stderr: " + e.Data);
        };

        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await WaitForAsync(() => { lock (gate) return lines.Any(l => l.StartsWith("[#releng] ChatOpsReconfig is here", StringComparison.Ordinal)); }, changed, process, 120);
            var greeting = clock.Elapsed.TotalSeconds;
            log.WriteLine($"  {label}: greeting after {greeting:0.0}s, idling {idleSeconds}s (pid {process.Id})");
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
            var (rss, hwm) = Read(process.Id);

            long? rssAfter = null, hwmAfter = null;
            if (statusQueries > 0)
            {
                for (var i = 0; i < statusQueries; i++)
                {
                    int before;
                    lock (gate) before = lines.Count;
                    await process.StandardInput.WriteLineAsync("!status");
                    await process.StandardInput.FlushAsync();
                    await WaitForAsync(() => { lock (gate) return lines.Skip(before).Any(l => l.Contains(" hosts", StringComparison.Ordinal)); }, changed, process, 60);
                }

                await Task.Delay(TimeSpan.FromSeconds(2));
                (rssAfter, hwmAfter) = Read(process.Id);
            }

            return new Result(label, rss, hwm, rssAfter, hwmAfter, greeting);
        }
        finally
        {
            // End of input: the bot stops once idle; kill it if it does not.
            process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
        }
    }

    private static async Task WaitForAsync(Func<bool> done, SemaphoreSlim changed, Process process, int timeoutSeconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!done())
        {
            if (process.HasExited) throw new InvalidOperationException($"chatops exited with {process.ExitCode}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"chatops: nothing after {timeoutSeconds}s");
            await changed.WaitAsync(TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>VmRSS and VmHWM in kB from /proc/PID/status.</summary>
    public static (long Rss, long Hwm) Read(int pid)
    {
        long rss = 0, hwm = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kb(line);
        }

        return (rss, hwm);
    }

    private static long Kb(string line) =>
        long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}
