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
            return new ProcessResult(-1, "", "", false, StartError: ex.Message);
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
            return new ProcessResult(-1, "", "", true, TimeoutSeconds: (int)Math.Round(timeout.TotalSeconds));
        }
    }
}

/// <summary>
/// How a git or hg command ended. <paramref name="StartError"/> is the system's reason when it could not be started;
/// <paramref name="TimeoutSeconds"/> the limit it ran past when <paramref name="TimedOut"/>.
/// </summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr, bool TimedOut, int TimeoutSeconds = 0, string? StartError = null)
{
    public bool Ok => ExitCode == 0 && !TimedOut && StartError is null;

    /// <summary>The command's first error line (its own words, cut at 200 characters); null when it printed none.</summary>
    public string? FirstErrorLine
    {
        get
        {
            var line = Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            return line is { Length: > 200 } ? line[..200] + "…" : line;
        }
    }

    /// <summary>
    /// This failed result as <paramref name="kind"/> of <paramref name="command"/> (e.g. <c>git fetch</c>), or as
    /// <see cref="RepoFailureKind.TimedOut"/> / <see cref="RepoFailureKind.CannotRun"/> when that is what happened.
    /// </summary>
    public RepoFailure Failure(RepoFailureKind kind, string command) =>
        TimedOut ? new RepoFailure { Kind = RepoFailureKind.TimedOut, Command = command, TimeoutSeconds = TimeoutSeconds }
        : StartError is not null ? new RepoFailure { Kind = RepoFailureKind.CannotRun, Command = command, Detail = StartError }
        : new RepoFailure { Kind = kind, Command = command, Detail = FirstErrorLine, ExitCode = FirstErrorLine is null ? ExitCode : null };
}
