using System.Diagnostics;
using System.Reflection;

namespace ChatOpsReconfig.Bench.Rollout;

/// <summary>
/// Our side runs as the shipped <c>chatops</c> is installed: <c>dotnet publish</c>, which is ReadyToRun
/// (eng/ReadyToRun.props). The harness publishes this project once before measuring and runs that build's
/// <c>rollout-bench child</c>; timing the JIT build that <c>dotnet run</c> starts would time an install nobody uses.
/// </summary>
internal static class ChildBuild
{
    public static async Task<string> PublishAsync(string outDir, CancellationToken cancellationToken)
    {
        var project = typeof(ChildBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ProjectDirectory").Value!; // Rollout.csproj always sets it
        var target = Path.GetFullPath(Path.Combine(outDir, "child"));
        // A fresh directory: nothing left from an older build can be loaded instead of what was just published.
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Console.WriteLine($"publishing our side (ReadyToRun, as chatops is installed) to {target} …");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish", project, "-c", "Release", "-o", target, "--nologo", "-v", "q" }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!; // Process.Start returns null only for shell-executed documents
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish {project} failed (exit {process.ExitCode}):\n{await stdout}\n{await stderr}");
        var executable = Path.Combine(target, "rollout-bench");
        if (!File.Exists(executable)) throw new InvalidOperationException($"dotnet publish left no {executable}");
        return executable;
    }
}
