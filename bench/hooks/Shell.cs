using System.Diagnostics;

namespace ChatOpsReconfig.Bench.Hooks;

/// <summary>Runs git, hg and friends for the bench, failing loudly.</summary>
internal static class Shell
{
    private static readonly Dictionary<string, string> Environment = new(StringComparer.Ordinal)
    {
        ["GIT_AUTHOR_NAME"] = "Bench Pusher",
        ["GIT_AUTHOR_EMAIL"] = "bench@example.com",
        ["GIT_COMMITTER_NAME"] = "Bench Pusher",
        ["GIT_COMMITTER_EMAIL"] = "bench@example.com",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["HGUSER"] = "Bench Pusher <bench@example.com>",
        ["HGPLAIN"] = "1",
    };

    public static string Run(string file, IReadOnlyList<string> args, string? cwd = null, params int[] alsoOk)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = cwd ?? "" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Environment) psi.Environment[k] = v;
        using var p = Process.Start(psi)!; // Start returns null only for shell-executed documents.
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0 && !alsoOk.Contains(p.ExitCode))
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}");
        return stdout.Result;
    }
}
