using System.Diagnostics;
using System.Text;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>Runs git/hg with an argument array (never a shell string) and a timeout.</summary>
internal static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(
        string file, IReadOnlyList<string> args, string? workingDirectory, TimeSpan timeout, TimeProvider time,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Never let git or hg stop to ask for a password on a terminal we do not have.
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        psi.Environment["HGPLAIN"] = "1";
        psi.Environment["LC_ALL"] = "C";
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new ProcessResult(-1, "", $"cannot run {file}: {ex.Message}", false);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeoutCts = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
        try
        {
            await process.WaitForExitAsync(linked.Token);
            return new ProcessResult(process.ExitCode, await stdout, await stderr, false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { /* exited meanwhile */ }
            cancellationToken.ThrowIfCancellationRequested();
            return new ProcessResult(-1, "", $"{file} timed out after {timeout.TotalSeconds:0}s", true);
        }
    }
}

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public bool Ok => ExitCode == 0 && !TimedOut;

    public string Describe()
    {
        var line = Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit {ExitCode}";
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
