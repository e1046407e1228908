using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>
/// Real OpenSSH servers on loopback: each with its own throwaway ed25519 host key, config, pid file and port,
/// all trusting one throwaway user key. Ready when the port answers with an SSH-2.0 banner. Everything is killed
/// and deleted on dispose.
/// </summary>
public sealed class SshdFixture : IAsyncLifetime
{
    public const int HostCount = 3;

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(15);

    private static readonly Lazy<Version> SshdVersion = new(() =>
    {
        var psi = new ProcessStartInfo("/usr/sbin/sshd", "-V") { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!; // Start returns a process when UseShellExecute is false.
        var text = p.StandardError.ReadToEnd() + p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var m = Regex.Match(text, @"OpenSSH_(\d+)\.(\d+)");
        return m.Success ? new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)) : new Version(0, 0);
    });

    private readonly List<SshdHost> _hosts = [];
    private readonly Lock _gate = new();

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "chatops-sshd-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The private key every server authorizes.</summary>
    public string UserKey => Path.Combine(Root, "user_key");

    /// <summary>A private key no server authorizes.</summary>
    public string StrangerKey => Path.Combine(Root, "stranger_key");

    /// <summary>known_hosts listing every host started by <see cref="InitializeAsync"/>.</summary>
    public string KnownHosts => Path.Combine(Root, "known_hosts");

    public IReadOnlyList<SshdHost> Hosts
    {
        get
        {
            lock (_gate) return _hosts.OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>The user the servers let in: whoever runs the tests (root here, hence PermitRootLogin prohibit-password).</summary>
    public static string User => Environment.UserName;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        // sshd refuses to start without its privilege separation directory.
        Directory.CreateDirectory("/run/sshd");
        await Task.WhenAll(
            KeygenAsync(UserKey),
            KeygenAsync(StrangerKey));
        File.Copy(UserKey + ".pub", Path.Combine(Root, "authorized_keys"));

        await Task.WhenAll(Enumerable.Range(1, HostCount).Select(i => StartHostAsync($"bm{i:00}")));
        await File.WriteAllLinesAsync(KnownHosts, Hosts.Select(h => h.KnownHostsLine()));
    }

    /// <summary>SSH settings for these servers: the user key, the fixture's known_hosts, a short connect timeout.</summary>
    public SshSettings Settings(int connectTimeoutSeconds = 3, int maxOutputBytes = 64 * 1024) => new()
    {
        User = User,
        Port = 22,
        KeyFile = UserKey,
        // A variable nobody sets, so a CHATOPS_SSH_KEY in the environment cannot change what the tests use.
        KeyFileEnv = "CHATOPS_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..8],
        KeyPassphraseEnv = "CHATOPS_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..8],
        KnownHosts = KnownHosts,
        ConnectTimeoutSeconds = connectTimeoutSeconds,
        MaxOutputBytes = maxOutputBytes,
    };

    /// <summary>A host entry for the fleet config pointing at one of the servers.</summary>
    public static HostConfig HostConfig(SshdHost sshd, string role, string basedir, string? name = null) => new()
    {
        Name = name ?? sshd.Name,
        Address = "127.0.0.1",
        Port = sshd.Port,
        Role = role,
        Basedir = basedir,
        Transport = TransportKind.Ssh,
    };

    /// <summary>Starts one more server (not in <see cref="KnownHosts"/> unless the caller adds it).</summary>
    public async Task<SshdHost> StartHostAsync(string name)
    {
        var dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        var hostKey = Path.Combine(dir, "ssh_host_ed25519_key");
        await KeygenAsync(hostKey);
        var fingerprint = await FingerprintAsync(hostKey + ".pub");

        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            var config = Path.Combine(dir, "sshd_config");
            await File.WriteAllTextAsync(config, Config(dir, hostKey, port));
            var (process, output) = Start(config);
            var host = new SshdHost(name, port, hostKey, fingerprint, process, output);
            try
            {
                await WaitForBannerAsync(host);
                lock (_gate) _hosts.Add(host);
                return host;
            }
            catch (InvalidOperationException ex)
            {
                // Most likely someone took the port between probing and binding: try another.
                last = ex;
                host.Stop();
            }
        }

        throw new InvalidOperationException($"sshd {name} would not start", last);
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(Hosts.Select(h => Task.Run(h.Stop)));
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A server still writing as it dies; the temp dir is cleaned up by the OS eventually.
        }
    }

    private string Config(string dir, string hostKey, int port)
    {
        var lines = new List<string>
        {
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
            "LogLevel VERBOSE",
            // bash sources ~/.bashrc for commands run by sshd unless it is a nested shell; this machine's .bashrc
            // takes most of a second (pyenv init), which would dominate every command of the tests.
            "SetEnv SHLVL=1",
        };
        // OpenSSH 9.8+ penalizes addresses that fail auth or time out; the tests do both on purpose.
        if (SshdVersion.Value >= new Version(9, 8)) lines.Add("PerSourcePenalties no");
        return string.Join('\n', lines) + "\n";
    }

    private static (Process Process, ConcurrentQueue<string> Output) Start(string config)
    {
        var psi = new ProcessStartInfo("/usr/sbin/sshd")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-D", "-e", "-f", config }) psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var log = new ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return (process, log);
    }

    private static async Task WaitForBannerAsync(SshdHost host)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartDeadline)
        {
            if (host.Process.HasExited)
                throw new InvalidOperationException($"sshd {host.Name} exited ({host.Process.ExitCode}): {host.Log}");
            // Our own "listening" line first: another sshd that grabbed the port would answer the banner too.
            var bound = host.Output.Any(l => l.Contains($"Server listening on 127.0.0.1 port {host.Port}", StringComparison.Ordinal));
            if (bound && await BannerAsync(host.Port) is { } banner && banner.StartsWith("SSH-2.0", StringComparison.Ordinal)) return;
            await Task.Delay(20);
        }

        throw new InvalidOperationException($"sshd {host.Name} did not answer on port {host.Port} within {StartDeadline.TotalSeconds}s: {host.Log}");
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

    /// <summary>A loopback port nothing listens on (at the moment of asking).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static async Task KeygenAsync(string path)
    {
        var r = await Shell.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "chatops-test", "-f", path]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"ssh-keygen failed: {r.Stderr}");
    }

    /// <summary>The fingerprint as <c>ssh-keygen -lf</c> prints it.</summary>
    public static async Task<string> FingerprintAsync(string publicKeyPath)
    {
        var r = await Shell.RunAsync("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyPath]);
        if (r.ExitCode != 0) throw new InvalidOperationException($"ssh-keygen -l failed: {r.Stderr}");
        return r.Stdout.Split(' ')[1];
    }
}

/// <summary>One running sshd.</summary>
public sealed record SshdHost(string Name, int Port, string HostKeyPath, string Fingerprint, Process Process, ConcurrentQueue<string> Output)
{
    /// <summary>The host key's public half, <c>ssh-ed25519 AAAA…</c> without the comment.</summary>
    public string PublicKey => string.Join(' ', File.ReadAllText(HostKeyPath + ".pub").Trim().Split(' ').Take(2));

    public string KnownHostsLine() => $"[127.0.0.1]:{Port} {PublicKey}";

    /// <summary>The last lines sshd logged, for failure messages.</summary>
    public string Log => string.Join('\n', Output.TakeLast(30));

    public void Stop()
    {
        try
        {
            if (!Process.HasExited) Process.Kill(entireProcessTree: true);
            Process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>, ICollectionFixture<RepoFixture>
{
    public const string Name = "sshd";
}
