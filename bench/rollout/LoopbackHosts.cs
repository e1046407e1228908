using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChatOpsReconfig.Bench.Rollout;

/// <summary>
/// N OpenSSH servers on 127.0.0.1, one process per host, each with its own port, ed25519 host key, config and log,
/// all authorizing one throwaway user key. The same sshd settings as tests/Deployer.Tests/Fixtures/SshdFixture.cs.
/// Every server is killed (by its own process handle) and the directory deleted on dispose.
/// </summary>
internal sealed class LoopbackHosts : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);

    private readonly List<BenchHost> _hosts = [];
    private readonly Lock _gate = new();

    private LoopbackHosts(string root) => Root = root;

    public string Root { get; }

    public string UserKey => Path.Combine(Root, "user_key");

    public string KnownHosts => Path.Combine(Root, "known_hosts");

    /// <summary>parallel-ssh's host file: <c>user@127.0.0.1:port</c> per line.</summary>
    public string PsshHostsFile => Path.Combine(Root, "pssh_hosts");

    public static string User => Environment.UserName;

    public IReadOnlyList<BenchHost> Hosts
    {
        get
        {
            lock (_gate) return _hosts.OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
        }
    }

    public static async Task<LoopbackHosts> StartAsync(int count, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), "chatops-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        // sshd refuses to start without its privilege separation directory.
        Directory.CreateDirectory("/run/sshd");
        var hosts = new LoopbackHosts(root);
        try
        {
            await KeygenAsync(hosts.UserKey, cancellationToken);
            File.Copy(hosts.UserKey + ".pub", Path.Combine(root, "authorized_keys"));
            await Parallel.ForEachAsync(
                Enumerable.Range(1, count),
                new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (i, ct) => await hosts.StartHostAsync($"h{i:000}", ct));
            var ordered = hosts.Hosts;
            await File.WriteAllLinesAsync(hosts.KnownHosts, ordered.Select(h => h.KnownHostsLine()), cancellationToken);
            await File.WriteAllLinesAsync(hosts.PsshHostsFile, ordered.Select(h => $"{User}@127.0.0.1:{h.Port}"), cancellationToken);
            return hosts;
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }
    }

    private async Task StartHostAsync(string name, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(Root, name);
        var basedir = Path.Combine(dir, "basedir");
        Directory.CreateDirectory(basedir);
        var hostKey = Path.Combine(dir, "ssh_host_ed25519_key");
        await KeygenAsync(hostKey, cancellationToken);
        var publicKey = string.Join(' ', (await File.ReadAllTextAsync(hostKey + ".pub", cancellationToken)).Trim().Split(' ').Take(2));

        string? last = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var port = FreePort();
            var config = Path.Combine(dir, "sshd_config");
            var log = Path.Combine(dir, $"sshd-{port}.log");
            await File.WriteAllTextAsync(config, Config(dir, hostKey, port), cancellationToken);
            var psi = new ProcessStartInfo("/usr/sbin/sshd") { UseShellExecute = false };
            foreach (var a in new[] { "-D", "-E", log, "-f", config }) psi.ArgumentList.Add(a);
            var process = Process.Start(psi)!; // Start returns a process when UseShellExecute is false.
            var host = new BenchHost(name, port, basedir, publicKey, process);
            if (await WaitReadyAsync(host, log, cancellationToken))
            {
                lock (_gate) _hosts.Add(host);
                return;
            }

            last = File.Exists(log) ? await File.ReadAllTextAsync(log, cancellationToken) : "(no log)";
            host.Stop();
        }

        throw new InvalidOperationException($"sshd {name} would not start: {last}");
    }

    private string Config(string dir, string hostKey, int port) => string.Join('\n',
        $"Port {port}",
        "ListenAddress 127.0.0.1",
        $"HostKey {hostKey}",
        $"PidFile {Path.Combine(dir, "sshd.pid")}",
        $"AuthorizedKeysFile {Path.Combine(Root, "authorized_keys")}",
        "StrictModes no",
        "UsePAM no",
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PrintMotd no",
        "UseDNS no",
        "MaxStartups 100",
        "MaxSessions 50",
        // bash sources ~/.bashrc for commands run by sshd unless it is a nested shell; root's .bashrc here is slow.
        "SetEnv SHLVL=1",
        "");

    private static async Task<bool> WaitReadyAsync(BenchHost host, string log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartDeadline)
        {
            if (host.Process.HasExited) return false;
            // Our own "listening" line first: another sshd that grabbed the port would answer the banner too.
            var bound = File.Exists(log) && (await File.ReadAllTextAsync(log, cancellationToken))
                .Contains($"Server listening on 127.0.0.1 port {host.Port}", StringComparison.Ordinal);
            if (bound && await BannerAsync(host.Port) is { } banner && banner.StartsWith("SSH-2.0", StringComparison.Ordinal)) return true;
            await Task.Delay(20, cancellationToken);
        }

        return false;
    }

    private static async Task<string?> BannerAsync(int port)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port, cts.Token);
            var buffer = new byte[256];
            var read = await tcp.GetStream().ReadAsync(buffer, cts.Token);
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task KeygenAsync(string path, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("ssh-keygen") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-q", "-t", "ed25519", "-N", "", "-C", "chatops-bench", "-f", path }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.StandardOutput.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken);
        if (p.ExitCode != 0) throw new InvalidOperationException($"ssh-keygen failed: {await stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Hosts.Select(h => Task.Run(h.Stop)));
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A server still writing its log as it dies; the temp dir goes eventually.
        }
    }
}

/// <summary>One running sshd.</summary>
internal sealed record BenchHost(string Name, int Port, string Basedir, string PublicKey, Process Process)
{
    public string KnownHostsLine() => $"[127.0.0.1]:{Port} {PublicKey}";

    public void Stop()
    {
        try
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already reaped.
        }

        Process.Dispose();
    }
}
