using System.Diagnostics;
using System.Text;
using ChatOpsReconfig.Deployer.Tests.Fixtures;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

/// <summary>
/// A real ngIRCd (Debian package <c>ngircd</c>) on a free loopback port, in the foreground (<c>-n</c>), with a
/// throwaway config, pid and motd file in a temp directory. <see cref="KillAsync"/> and <see cref="StartAsync"/>
/// stop and start it again on the same port. Ready when it logs that it listens on the port.
/// </summary>
public sealed class NgircdServer : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/ngircd";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly StringBuilder _log = new();
    private Process? _process;

    private NgircdServer(string root, int port, int? tlsPort)
    {
        Root = root;
        Port = port;
        TlsPort = tlsPort;
    }

    public string Root { get; }

    public int Port { get; }

    /// <summary>The TLS port (a throwaway self-signed certificate for 127.0.0.1, <see cref="CertificateFile"/>), when asked for.</summary>
    public int? TlsPort { get; }

    public string CertificateFile => Path.Combine(Root, "cert.pem");

    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    public static async Task<NgircdServer> StartNewAsync(bool tls = false)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: ./test.sh installs it (apt-get install -y ngircd)");
        var root = Directory.CreateTempSubdirectory("chatops-ngircd-").FullName;
        // Started as root, ngIRCd drops to "nobody", which must still be able to write its pid file here.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(root, (UnixFileMode)0b111_111_111);
        if (tls) await MakeCertificateAsync(root);
        for (var attempt = 0; ; attempt++)
        {
            var server = new NgircdServer(root, SshdFixture.FreePort(), tls ? SshdFixture.FreePort() : null);
            try
            {
                await server.StartAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
                // Someone took the port between probing and binding: try another.
                await server.KillAsync();
            }
        }
    }

    /// <summary>Starts the server (again) on <see cref="Port"/> and waits until it listens.</summary>
    public async Task StartAsync()
    {
        var config = Path.Combine(Root, "ngircd.conf");
        await File.WriteAllTextAsync(Path.Combine(Root, "motd"), "ChatOpsReconfig test server\n");
        await File.WriteAllTextAsync(config, $"""
            [Global]
            Name = irc.chatops.test
            Info = ChatOpsReconfig test server
            AdminInfo1 = tests
            AdminInfo2 = loopback
            AdminEMail = nobody@example.com
            Listen = 127.0.0.1
            Ports = {Port}
            PidFile = {Path.Combine(Root, "ngircd.pid")}
            MotdFile = {Path.Combine(Root, "motd")}

            [Limits]
            MaxNickLength = 30
            MaxConnectionsIP = 0
            # ngIRCd handles 3 commands a second per client by default; without it the pacing a test sees is the bot's own.
            MaxPenaltyTime = 0

            [Options]
            PAM = no
            Ident = no
            DNS = no
            """ + (TlsPort is { } tls ? $"""

            [SSL]
            CertFile = {CertificateFile}
            KeyFile = {Path.Combine(Root, "key.pem")}
            Ports = {tls}
            """ : ""));

        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var psi = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-n", "-f", config }) psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        void OnLine(string? line)
        {
            if (line is null) return;
            lock (_log) _log.AppendLine(line);
            // With TLS, the TLS port is opened second.
            if (line.Contains($"Now listening on [127.0.0.1]:{TlsPort ?? Port}", StringComparison.Ordinal)) listening.TrySetResult();
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"ngircd exited:\n{Log}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        try
        {
            await listening.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"ngircd did not listen on {Port} within {StartTimeout.TotalSeconds:0} s:\n{Log}");
        }
    }

    /// <summary>Kills the server (every client's connection drops) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process) return;
        _process = null;
        if (!process.HasExited) process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean up.
        }
    }

    private static async Task MakeCertificateAsync(string root)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-keyout", Path.Combine(root, "key.pem"), "-out", Path.Combine(root, "cert.pem"),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"openssl req failed: {error}");
        // ngIRCd reads the key after dropping to "nobody"; it is a throwaway key in a throwaway directory.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(root, "key.pem"), (UnixFileMode)0b110_100_100);
    }
}
