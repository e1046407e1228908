using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ChatOpsReconfig.Bench.Rollout;

internal enum Side
{
    /// <summary>Our rollout: a child process running RolloutRunner, as <c>chatops deploy</c> does, built as chatops is installed (ReadyToRun).</summary>
    Ours,

    /// <summary>The same, with another build of the benchmark (<c>--baseline PATH</c>), e.g. against older Deployer code.</summary>
    OursBaseline,

    /// <summary>parallel-ssh: one connection per host, the three steps in one shell line.</summary>
    Pssh,

    /// <summary>
    /// parallel-ssh doing what the rollout records: revision, each step, revision as five invocations (five
    /// exit statuses per host) over one ControlMaster connection per host.
    /// </summary>
    PsshSteps,
}

/// <summary>
/// One timed run of one side. <see cref="ClientCpuMs"/> is user+sys of the process and the children it waited for
/// (null where the work escapes that: ControlMaster daemons); <see cref="ServerCpuMs"/> is what the sshd processes
/// and their children (sessions, shells, commands) used meanwhile.
/// </summary>
internal sealed record Measurement(double WallMs, double? ClientCpuMs, double ServerCpuMs, OurRun? Ours = null)
{
    public string Describe() => FormattableString.Invariant($"{WallMs,6:0} ms")
        + (Ours is { } o ? FormattableString.Invariant($" (rollout {o.RolloutMs:0} ms, RSS {o.PeakRssKb / 1024.0:0} MB)") : "");
}

/// <summary>Runs the sides, each timed as a whole process (or processes) from start to exit.</summary>
internal static class Sides
{
    private static readonly int ClockTicks = 100; // USER_HZ on Linux x86-64

    private static int _runs;

    public static string Label(Side side) => side switch
    {
        Side.Ours => "ours",
        Side.OursBaseline => "ours (baseline build)",
        Side.Pssh => "parallel-ssh",
        _ => "parallel-ssh ×5 (ControlMaster)",
    };

    public static Task<Measurement> RunAsync(Side side, LoopbackHosts hosts, int parallelism, int canary, string ours, string? baseline, CancellationToken cancellationToken) =>
        side switch
        {
            Side.Ours => RunOursAsync(ours, hosts, parallelism, canary, cancellationToken),
            Side.OursBaseline => RunOursAsync(baseline!, hosts, parallelism, canary, cancellationToken),
            Side.Pssh => RunPsshAsync(hosts, parallelism, cancellationToken),
            _ => RunPsshStepsAsync(hosts, parallelism, cancellationToken),
        };

    /// <summary>Our side: a child process running one rollout through RolloutRunner; a fresh LiteDB file per run.</summary>
    private static async Task<Measurement> RunOursAsync(string executable, LoopbackHosts hosts, int parallelism, int canary, CancellationToken cancellationToken)
    {
        var run = Interlocked.Increment(ref _runs);
        var store = Path.Combine(hosts.Root, $"store-{run}.db");
        var config = Path.Combine(hosts.Root, $"fleet-{run}.json");
        await File.WriteAllTextAsync(config, OurRollout.FleetJson(hosts, store, parallelism, canary), cancellationToken);

        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(executable) == "dotnet") args.Add(typeof(Sides).Assembly.Location);
        args.Add("child");
        args.Add(config);
        var server = ServerCpuTicks(hosts);
        var (wall, cpu, exit, stdout, stderr) = await TimedAsync(executable, args, cancellationToken);
        var serverMs = await ServerCpuSinceAsync(hosts, server);
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        var result = line is null ? null : JsonSerializer.Deserialize<OurRun>(line);
        if (exit != 0 || result is null) throw new InvalidOperationException($"our rollout failed (exit {exit}): {stdout}\n{stderr}");
        File.Delete(store);
        File.Delete(config);
        return new Measurement(wall, cpu, serverMs, result);
    }

    /// <summary>
    /// parallel-ssh: one ssh connection per host running the three steps in one shell line. ssh reads no config
    /// file (-F /dev/null) and offers only the user key, so it does no more than it must.
    /// </summary>
    private static async Task<Measurement> RunPsshAsync(LoopbackHosts hosts, int parallelism, CancellationToken cancellationToken)
    {
        var outDir = Fresh(Path.Combine(hosts.Root, "pssh-out"));
        var errDir = Fresh(Path.Combine(hosts.Root, "pssh-err"));
        var server = ServerCpuTicks(hosts);
        var (wall, cpu, exit, stdout, stderr) = await TimedAsync("parallel-ssh", PsshArguments(hosts, parallelism, outDir, errDir), cancellationToken);
        var serverMs = await ServerCpuSinceAsync(hosts, server);
        CheckPssh(hosts, exit, stdout, stderr, outDir, "ok\n");
        return new Measurement(wall, cpu, serverMs);
    }

    /// <summary>
    /// parallel-ssh doing the rollout's work: read the revision, the three steps, read the revision, each its own
    /// invocation (so each has its own exit status per host, as the rollout records), all over one connection per
    /// host (ControlMaster, opened by the first invocation). Timed from the first start to the last exit; the
    /// masters are closed afterwards, untimed, and their client CPU is not counted (they are daemons, not children).
    /// </summary>
    private static async Task<Measurement> RunPsshStepsAsync(LoopbackHosts hosts, int parallelism, CancellationToken cancellationToken)
    {
        var run = Interlocked.Increment(ref _runs);
        var control = Path.Combine(hosts.Root, $"cm{run}");
        Directory.CreateDirectory(control);
        var mux = $"-o ControlMaster=auto -o ControlPath={control}/%C -o ControlPersist=300";
        string[] commands = [$"echo {OurRollout.Revision}", .. OurRollout.Steps, $"echo {OurRollout.Revision}"];
        var server = ServerCpuTicks(hosts);
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var command in commands)
            {
                var outDir = Fresh(Path.Combine(hosts.Root, "pssh-out"));
                var errDir = Fresh(Path.Combine(hosts.Root, "pssh-err"));
                var (_, _, exit, stdout, stderr) = await TimedAsync("parallel-ssh", PsshArguments(hosts, parallelism, outDir, errDir, mux, command), cancellationToken);
                CheckPssh(hosts, exit, stdout, stderr, outDir, command == "echo ok" ? "ok\n" : null);
            }

            clock.Stop();
        }
        finally
        {
            await Parallel.ForEachAsync(hosts.Hosts, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (h, ct) =>
            {
                var psi = new ProcessStartInfo("ssh") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
                foreach (var a in SshOptions(hosts).Split(' ').Concat(mux.Split(' ')).Concat(["-O", "exit", "-p", h.Port.ToString(CultureInfo.InvariantCulture), $"{LoopbackHosts.User}@127.0.0.1"]))
                    psi.ArgumentList.Add(a);
                using var p = Process.Start(psi)!; // Start returns a process when UseShellExecute is false.
                await p.StandardError.ReadToEndAsync(ct);
                await p.WaitForExitAsync(ct);
            });
        }

        var serverMs = await ServerCpuSinceAsync(hosts, server);
        return new Measurement(clock.Elapsed.TotalMilliseconds, null, serverMs);
    }

    public static IReadOnlyList<string> PsshArguments(LoopbackHosts hosts, int parallelism, string outDir, string errDir, string? extraSshOptions = null, string? command = null) =>
    [
        "-h", hosts.PsshHostsFile, "-p", parallelism.ToString(CultureInfo.InvariantCulture), "-t", "120",
        "-o", outDir, "-e", errDir,
        "-x", extraSshOptions is null ? SshOptions(hosts) : $"{SshOptions(hosts)} {extraSshOptions}",
        command ?? string.Join("; ", OurRollout.Steps),
    ];

    private static string SshOptions(LoopbackHosts hosts) =>
        $"-F /dev/null -i {hosts.UserKey} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile={hosts.KnownHosts} -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes";

    private static void CheckPssh(LoopbackHosts hosts, int exit, string stdout, string stderr, string outDir, string? expected)
    {
        var n = hosts.Hosts.Count;
        var ok = stdout.Split('\n').Count(l => l.Contains("[SUCCESS]", StringComparison.Ordinal));
        var printed = expected is null ? n : Directory.GetFiles(outDir).Count(f => File.ReadAllText(f).StartsWith(expected, StringComparison.Ordinal));
        if (exit != 0 || ok != n || printed != n)
            throw new InvalidOperationException($"parallel-ssh failed (exit {exit}, {ok}/{n} ok, {printed}/{n} printed as expected): {stdout}\n{stderr}");
    }

    private static string Fresh(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        return dir;
    }

    /// <summary>Runs a process under /usr/bin/time: wall time measured here, user+sys of it and its waited-for children.</summary>
    private static async Task<(double WallMs, double? CpuMs, int Exit, string Stdout, string Stderr)> TimedAsync(
        string file, IEnumerable<string> args, CancellationToken cancellationToken)
    {
        var timeFile = Path.Combine(Path.GetTempPath(), $"rollout-bench-time-{Environment.ProcessId}-{Interlocked.Increment(ref _runs)}");
        var psi = new ProcessStartInfo("/usr/bin/time") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-f", "%U %S", "-o", timeFile, file }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment.Remove("CHATOPS_SSH_KEY");
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!; // Start returns a process when UseShellExecute is false.
        var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken);
        clock.Stop();
        double? cpu = null;
        try
        {
            var lines = (await File.ReadAllLinesAsync(timeFile, cancellationToken)).Where(l => l.Length > 0).ToList();
            var parts = lines[^1].Split(' ');
            cpu = (double.Parse(parts[0], CultureInfo.InvariantCulture) + double.Parse(parts[1], CultureInfo.InvariantCulture)) * 1000;
            File.Delete(timeFile);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            // No figure: the CPU column shows a dash.
        }

        return (clock.Elapsed.TotalMilliseconds, cpu, p.ExitCode, await stdout, await stderr);
    }

    /// <summary>utime+stime+cutime+cstime of every sshd listener: its children (sessions, shells) count once reaped.</summary>
    private static long ServerCpuTicks(LoopbackHosts hosts)
    {
        long total = 0;
        foreach (var h in hosts.Hosts)
        {
            var stat = File.ReadAllText($"/proc/{h.Process.Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After ")": state is field 3 of stat(5), so utime (14) is index 11 here.
            for (var i = 11; i <= 14; i++) total += long.Parse(fields[i], CultureInfo.InvariantCulture);
        }

        return total;
    }

    private static async Task<double> ServerCpuSinceAsync(LoopbackHosts hosts, long before)
    {
        // Session processes end when their client goes; give the listeners a moment to reap them.
        await Task.Delay(300);
        return (ServerCpuTicks(hosts) - before) * 1000.0 / ClockTicks;
    }
}
