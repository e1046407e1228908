using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Transport;

/// <summary>The SSH transport against real sshd processes on loopback; no part of SSH.NET is faked.</summary>
[Collection(SshdCollection.Name)]
public sealed class SshTransportTests(SshdFixture sshd) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-ssh-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private SshdHost Bm01 => sshd.Hosts[0];

    private SshdHost Bm02 => sshd.Hosts[1];

    private SshTransport CreateSut(SshSettings? settings = null) => new(settings ?? sshd.Settings(), TimeProvider.System);

    private HostConfig Host(SshdHost host, string? fingerprint = null, string? name = null) =>
        SshdFixture.HostConfig(host, "master", _dir, name) with { HostKeyFingerprint = fingerprint };

    private async Task<IHostSession> ConnectAsync(SshTransport sut, HostConfig host)
    {
        var result = await sut.ConnectAsync(host, CancellationToken.None);
        Assert.True(result.Session is not null, $"connect failed: {result.Failure}");
        return result.Session!; // asserted just above
    }

    private string WriteKnownHosts(params string[] lines)
    {
        var path = Path.Combine(_dir, "known_hosts." + Guid.NewGuid().ToString("N")[..6]);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task Run_SeveralCommands_ShareOneConnection()
    {
        await using var session = await ConnectAsync(CreateSut(), Host(Bm01));

        // Each exec channel's shell is a child of the sshd process serving the connection.
        var parents = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var outcome = await session.RunAsync("echo $PPID", TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Equal(CommandStatus.Ok, outcome.Status);
            parents.Add(outcome.Stdout.Trim());
        }

        Assert.Single(parents.Distinct());
    }

    [Fact]
    public async Task Run_CapturesExitCodeStdoutAndStderr()
    {
        await using var session = await ConnectAsync(CreateSut(), Host(Bm01));

        var ok = await session.RunAsync("echo hello; echo warning >&2", TimeSpan.FromSeconds(10), CancellationToken.None);
        var failed = await session.RunAsync("echo partial; echo 'checkconfig: bad master.cfg' >&2; exit 3", TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal((CommandStatus.Ok, 0, "hello\n", "warning\n"), (ok.Status, ok.ExitCode, ok.Stdout, ok.Stderr));
        Assert.Equal((CommandStatus.Failed, 3, "partial\n", "checkconfig: bad master.cfg\n"), (failed.Status, failed.ExitCode, failed.Stdout, failed.Stderr));
        Assert.Null(failed.Error);
        Assert.False(failed.OutputTruncated);
    }

    [Fact]
    public async Task Run_StartsInBasedir_WithPosixShell()
    {
        await using var session = await ConnectAsync(CreateSut(), Host(Bm01));

        var outcome = await session.RunAsync("pwd; echo \"$0\"", TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal($"{_dir}\n/bin/sh\n", outcome.Stdout);
    }

    [Fact]
    public async Task Run_MissingBasedir_FailsWithClearMessage()
    {
        var host = Host(Bm01) with { Basedir = Path.Combine(_dir, "does-not-exist") };
        await using var session = await ConnectAsync(CreateSut(), host);

        var outcome = await session.RunAsync("touch here", TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal(CommandStatus.Failed, outcome.Status);
        Assert.Contains("does-not-exist does not exist", outcome.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "here")));
    }

    [Fact]
    public async Task Run_PastTimeout_KillsRemoteProcessGroup()
    {
        await using var session = await ConnectAsync(CreateSut(), Host(Bm01));
        var started = Path.Combine(_dir, "started");
        var finished = Path.Combine(_dir, "finished");
        var sleep = $"sleep 300.{Random.Shared.Next(100000, 999999)}";

        var outcome = await session.RunAsync($"touch {started}; {sleep}; touch {finished}", TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.Equal(CommandStatus.TimedOut, outcome.Status);
        Assert.Null(outcome.ExitCode);
        Assert.Equal((CommandErrorKind.TimedOut, 2, StopKind.Killed), (outcome.Error?.Kind, outcome.Error?.Seconds, outcome.Error?.Stop?.Kind));
        Assert.True(outcome.Error?.Stop?.ProcessGroup > 1);
        Assert.InRange(outcome.Duration, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
        Assert.True(File.Exists(started));
        Assert.True(await Poll.UntilAsync(async () => !await IsRunningAsync(sleep), TimeSpan.FromSeconds(5)), $"'{sleep}' still runs");
        Assert.False(File.Exists(finished), "the shell survived the kill and went on to the next command");

        // The connection survives a killed command.
        var next = await session.RunAsync("echo still here", TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal("still here\n", next.Stdout);
    }

    [Fact]
    public async Task Run_Cancelled_KillsRemoteCommand()
    {
        await using var session = await ConnectAsync(CreateSut(), Host(Bm01));
        var started = Path.Combine(_dir, "started");
        var sleep = $"sleep 300.{Random.Shared.Next(100000, 999999)}";
        using var cts = new CancellationTokenSource();

        var run = session.RunAsync($"touch {started}; {sleep}", TimeSpan.FromMinutes(5), cts.Token);
        Assert.True(await Poll.UntilAsync(() => File.Exists(started), TimeSpan.FromSeconds(10)));
        await cts.CancelAsync();
        var outcome = await run;

        Assert.Equal(CommandStatus.Error, outcome.Status);
        Assert.Equal(CommandErrorKind.Cancelled, outcome.Error?.Kind);
        Assert.True(await Poll.UntilAsync(async () => !await IsRunningAsync(sleep), TimeSpan.FromSeconds(5)), $"'{sleep}' still runs");
    }

    [Fact]
    public async Task Run_MegabytesOfOutput_KeepsBoundedTail()
    {
        const int cap = 64 * 1024;
        const int total = 20 * 1024 * 1024;
        await using var session = await ConnectAsync(CreateSut(sshd.Settings(maxOutputBytes: cap)), Host(Bm01));
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
                await Task.Delay(50);
            }
        });

        var outcome = await session.RunAsync($"head -c {total} /dev/zero | tr '\\0' x; echo; echo the-end", TimeSpan.FromSeconds(60), CancellationToken.None);
        await stop.CancelAsync();
        await sampler;

        Assert.Equal(CommandStatus.Ok, outcome.Status);
        Assert.True(outcome.OutputTruncated);
        Assert.EndsWith("xxxx\nthe-end\n", outcome.Stdout, StringComparison.Ordinal);
        Assert.True(outcome.StdoutDropped > 0);
        Assert.InRange(outcome.Stdout.Length, cap, cap + 100);
        // Buffering the whole output would hold 20 MB (and more while its buffer doubles).
        Assert.True(peak - baseline < 8 * 1024 * 1024, $"live heap grew by {(peak - baseline) / 1024 / 1024} MB while the command printed {total / 1024 / 1024} MB");
    }

    [Fact]
    public async Task Run_ConnectionDropsMidCommand_ReportsError()
    {
        await using var session = await ConnectAsync(CreateSut(), Host(Bm01));

        // The step's parent is the sshd process serving this connection: killing it cuts the connection.
        var outcome = await session.RunAsync("kill -KILL $PPID; sleep 30", TimeSpan.FromSeconds(20), CancellationToken.None);
        var after = await session.RunAsync("echo unreachable", TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal(CommandStatus.Error, outcome.Status);
        Assert.InRange(outcome.Duration, TimeSpan.Zero, TimeSpan.FromSeconds(15));
        Assert.Equal(CommandErrorKind.BrokeWhileRunning, outcome.Error?.Kind);
        Assert.Contains("bm01", outcome.Error?.Host, StringComparison.Ordinal);
        Assert.Equal(CommandStatus.Error, after.Status);
    }

    [Fact]
    public async Task Dispose_ClosesTheConnection()
    {
        var session = await ConnectAsync(CreateSut(), Host(Bm01));
        var sshdChild = (await session.RunAsync("echo $PPID", TimeSpan.FromSeconds(10), CancellationToken.None)).Stdout.Trim();

        await session.DisposeAsync();
        var after = await session.RunAsync("echo hi", TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal(CommandStatus.Error, after.Status);
        Assert.True(await Poll.UntilAsync(() => !Directory.Exists($"/proc/{sshdChild}"), TimeSpan.FromSeconds(5)), "sshd still serves the connection");
    }

    [Fact]
    public async Task Connect_ManyHostsInParallel_EachHasItsOwnSession()
    {
        var sut = CreateSut();

        var outcomes = await Task.WhenAll(sshd.Hosts.Select(async h =>
        {
            await using var session = await ConnectAsync(sut, Host(h));
            var results = new List<CommandOutcome>();
            for (var i = 0; i < 3; i++) results.Add(await session.RunAsync($"echo {h.Name}-{i}", TimeSpan.FromSeconds(10), CancellationToken.None));
            return (h.Name, results);
        }));

        foreach (var (name, results) in outcomes)
        {
            Assert.Equal(Enumerable.Range(0, 3).Select(i => $"{name}-{i}\n"), results.Select(r => r.Stdout));
        }
    }

    [Fact]
    public async Task Connect_NothingListening_ReportsUnreachable()
    {
        var host = Host(Bm01) with { Port = SshdFixture.FreePort() };

        var result = await CreateSut().ConnectAsync(host, CancellationToken.None);

        Assert.Null(result.Session);
        Assert.Equal(ConnectFailureKind.Unreachable, result.Failure?.Kind);
        Assert.True(result.Failure?.IsTransient);
        Assert.Equal((ConnectProblem.ConnectionRefused, $"bm01 (127.0.0.1:{host.Port})"), (result.Failure?.Problem, result.Failure?.Host));
    }

    [Fact]
    public async Task Connect_UnresolvableName_ReportsUnreachable()
    {
        var host = Host(Bm01) with { Address = "no-such-host.invalid" };

        var result = await CreateSut().ConnectAsync(host, CancellationToken.None);

        Assert.Equal(ConnectFailureKind.Unreachable, result.Failure?.Kind);
    }

    [Fact]
    public async Task Connect_ServerNeverSpeaks_TimesOut()
    {
        // The connect timeout runs on the transport's clock: a fake one, moved on once the server has accepted. SSH.NET's
        // own per-read timeout (the same 30 s, on the wall clock) cannot end the handshake within this test.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var time = new FakeTimeProvider();
        var host = Host(Bm01) with { Port = ((IPEndPoint)listener.LocalEndpoint).Port };
        var started = time.GetUtcNow();

        var connect = new SshTransport(sshd.Settings(connectTimeoutSeconds: 30), time).ConnectAsync(host, CancellationToken.None);
        using var accepted = await listener.AcceptTcpClientAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(connect.IsCompleted);

        // The deadline and the guard are armed just after the TCP connect: advance in steps until they fire.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!connect.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(connect, Task.Delay(20, bound.Token));
        }

        var result = await connect;
        listener.Stop();
        Assert.Equal(ConnectFailureKind.Timeout, result.Failure?.Kind);
        Assert.True(result.Failure?.IsTransient);
        Assert.Equal((ConnectProblem.HandshakeTimedOut, 30), (result.Failure?.Problem, result.Failure?.Seconds));
        Assert.InRange(time.GetUtcNow() - started, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(33)); // not before the timeout, and soon after it
    }

    [Fact]
    public async Task Connect_WrongPinnedFingerprint_ReportsMismatch()
    {
        var result = await CreateSut().ConnectAsync(Host(Bm01, fingerprint: Bm02.Fingerprint), CancellationToken.None);

        Assert.Equal(ConnectFailureKind.HostKeyMismatch, result.Failure?.Kind);
        Assert.False(result.Failure?.IsTransient);
        var key = result.Failure?.HostKey;
        Assert.Equal((HostKeyProblem.PinChanged, $"bm01 (127.0.0.1:{Bm01.Port})", Bm01.Fingerprint, "ssh-ed25519"), (key?.Problem, key?.Host, key?.Fingerprint, key?.KeyType));
        Assert.Equal([Bm02.Fingerprint], result.Failure?.HostKey?.Expected.Select(e => e.Fingerprint));
    }

    [Fact]
    public async Task Connect_PinnedFingerprint_ConnectsWithoutKnownHosts()
    {
        var sut = CreateSut(sshd.Settings() with { KnownHosts = null });

        await using var session = await ConnectAsync(sut, Host(Bm01, fingerprint: Bm01.Fingerprint));

        Assert.Equal(CommandStatus.Ok, (await session.RunAsync("true", TimeSpan.FromSeconds(10), CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Connect_ChangedKeyInKnownHosts_ReportsMismatch()
    {
        // known_hosts says bm01's port has bm02's key.
        var knownHosts = WriteKnownHosts($"[127.0.0.1]:{Bm01.Port} {Bm02.PublicKey}");
        var sut = CreateSut(sshd.Settings() with { KnownHosts = knownHosts });

        var result = await sut.ConnectAsync(Host(Bm01), CancellationToken.None);

        Assert.Equal(ConnectFailureKind.HostKeyMismatch, result.Failure?.Kind);
        Assert.Equal((HostKeyProblem.Changed, $"bm01 (127.0.0.1:{Bm01.Port})", Bm01.Fingerprint), (result.Failure?.HostKey?.Problem, result.Failure?.HostKey?.Host, result.Failure?.HostKey?.Fingerprint));
        Assert.Equal([Bm02.Fingerprint], result.Failure?.HostKey?.Expected.Select(e => e.Fingerprint));
    }

    [Fact]
    public async Task Connect_UnknownHostKey_Refuses()
    {
        var knownHosts = WriteKnownHosts(Bm02.KnownHostsLine());
        var sut = CreateSut(sshd.Settings() with { KnownHosts = knownHosts });

        var result = await sut.ConnectAsync(Host(Bm01), CancellationToken.None);

        Assert.Equal(ConnectFailureKind.HostKeyUnknown, result.Failure?.Kind);
        Assert.False(result.Failure?.IsTransient);
        Assert.Equal((HostKeyProblem.Unknown, $"bm01 (127.0.0.1:{Bm01.Port})", Bm01.Fingerprint), (result.Failure?.HostKey?.Problem, result.Failure?.HostKey?.Host, result.Failure?.HostKey?.Fingerprint));
    }

    [Fact]
    public async Task Connect_NoKnownHostsAndNoPin_Refuses()
    {
        var sut = CreateSut(sshd.Settings() with { KnownHosts = null });

        var result = await sut.ConnectAsync(Host(Bm01), CancellationToken.None);

        Assert.Equal(ConnectFailureKind.HostKeyUnknown, result.Failure?.Kind);
    }

    [Fact]
    public async Task Connect_HashedKnownHostsEntry_Connects()
    {
        var knownHosts = WriteKnownHosts(Bm01.KnownHostsLine());
        await Shell.CheckAsync("ssh-keygen", ["-H", "-f", knownHosts]);
        Assert.StartsWith("|1|", File.ReadAllText(knownHosts), StringComparison.Ordinal);
        var sut = CreateSut(sshd.Settings() with { KnownHosts = knownHosts });

        await using var session = await ConnectAsync(sut, Host(Bm01));
    }

    [Fact]
    public async Task Connect_KeyNotAuthorized_ReportsAuthFailed()
    {
        var sut = CreateSut(sshd.Settings() with { KeyFile = sshd.StrangerKey });

        var result = await sut.ConnectAsync(Host(Bm01), CancellationToken.None);

        Assert.Equal(ConnectFailureKind.AuthFailed, result.Failure?.Kind);
        Assert.False(result.Failure?.IsTransient);
        Assert.Equal((ConnectProblem.AuthRefused, $"bm01 (127.0.0.1:{Bm01.Port})", SshdFixture.User, sshd.StrangerKey),
            (result.Failure?.Problem, result.Failure?.Host, result.Failure?.User, result.Failure?.Path));
    }

    [Fact]
    public async Task Connect_MissingKeyFile_ReportsConfig()
    {
        var missing = Path.Combine(_dir, "no-such-key");
        var sut = CreateSut(sshd.Settings() with { KeyFile = missing });

        var result = await sut.ConnectAsync(Host(Bm01), CancellationToken.None);

        Assert.Equal(ConnectFailureKind.Config, result.Failure?.Kind);
        Assert.Equal((ConnectProblem.KeyMissing, missing, "ssh.keyFile"), (result.Failure?.Problem, result.Failure?.Path, result.Failure?.From));
    }

    [Fact]
    public async Task Connect_NoKeyConfigured_NamesTheVariable()
    {
        var settings = sshd.Settings() with { KeyFile = null };
        var result = await CreateSut(settings).ConnectAsync(Host(Bm01), CancellationToken.None);

        Assert.Equal(ConnectFailureKind.Config, result.Failure?.Kind);
        Assert.Equal((ConnectProblem.NoKeyConfigured, settings.KeyFileEnv), (result.Failure?.Problem, result.Failure?.Variable));
    }

    [Fact]
    public async Task Connect_KeyFileFromEnvironment_TakesPrecedence()
    {
        // A variable name of this test's own: the process environment is shared by every test running at once.
        var settings = sshd.Settings() with { KeyFile = sshd.StrangerKey, KeyFileEnv = "CHATOPS_TEST_KEY_" + Guid.NewGuid().ToString("N") };

        var fromFile = await CreateSut(settings).ConnectAsync(Host(Bm01), CancellationToken.None);
        Environment.SetEnvironmentVariable(settings.KeyFileEnv, sshd.UserKey);
        ConnectResult fromEnv;
        try
        {
            fromEnv = await CreateSut(settings).ConnectAsync(Host(Bm01), CancellationToken.None);
        }
        finally
        {
            Environment.SetEnvironmentVariable(settings.KeyFileEnv, null);
        }

        await using var session = fromEnv.Session;
        Assert.Null(fromFile.Session); // the configured file holds a key sshd does not accept…
        Assert.Equal(ConnectFailureKind.AuthFailed, fromFile.Failure?.Kind);
        Assert.True(fromEnv.Session is not null, $"connect with the key from the environment failed: {fromEnv.Failure}"); // …the variable's key is.
        Assert.Equal("ok\n", (await fromEnv.Session.RunAsync("echo ok", TimeSpan.FromSeconds(10), CancellationToken.None)).Stdout);
    }

    [Fact]
    public async Task Connect_EncryptedKey_NeedsPassphraseFromEnvironment()
    {
        var key = Path.Combine(_dir, "encrypted_key");
        const string passphrase = "correct horse battery staple";
        await Shell.CheckAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "encrypted", "-f", key]);
        await File.AppendAllTextAsync(Path.Combine(sshd.Root, "authorized_keys"), await File.ReadAllTextAsync(key + ".pub"));
        var settings = sshd.Settings() with { KeyFile = key, KeyPassphraseEnv = "CHATOPS_TEST_PASSPHRASE_" + Guid.NewGuid().ToString("N") };

        var without = await CreateSut(settings).ConnectAsync(Host(Bm01), CancellationToken.None);
        Environment.SetEnvironmentVariable(settings.KeyPassphraseEnv, "wrong");
        var wrong = await CreateSut(settings).ConnectAsync(Host(Bm01), CancellationToken.None);
        Environment.SetEnvironmentVariable(settings.KeyPassphraseEnv, passphrase);
        try
        {
            await using var session = await ConnectAsync(CreateSut(settings), Host(Bm01));
        }
        finally
        {
            Environment.SetEnvironmentVariable(settings.KeyPassphraseEnv, null);
        }

        Assert.Equal(ConnectFailureKind.Config, without.Failure?.Kind);
        Assert.Equal((ConnectProblem.KeyEncrypted, settings.KeyPassphraseEnv), (without.Failure?.Problem, without.Failure?.Variable));
        Assert.Equal(ConnectFailureKind.Config, wrong.Failure?.Kind);
        Assert.Equal((ConnectProblem.KeyUnusable, settings.KeyPassphraseEnv), (wrong.Failure?.Problem, wrong.Failure?.Variable));
        Assert.DoesNotContain("wrong", wrong.Failure?.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(passphrase, $"{without.Failure}{wrong.Failure}", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bm01;touch /tmp/x", null)]
    [InlineData("bm01", "127.0.0.1;touch")]
    public async Task Connect_ShellMetacharactersInHost_RefusedBeforeConnecting(string name, string? address)
    {
        var host = Host(Bm01, name: name) with { Address = address ?? "127.0.0.1" };

        var result = await CreateSut().ConnectAsync(host, CancellationToken.None);

        Assert.Equal(ConnectFailureKind.Config, result.Failure?.Kind);
        Assert.Equal(address is null ? ConnectProblem.InvalidHostName : ConnectProblem.InvalidAddress, result.Failure?.Problem);
        Assert.Equal(address ?? name, result.Failure?.Value);
    }

    private static async Task<bool> IsRunningAsync(string commandLine)
    {
        var r = await Shell.RunAsync("pgrep", ["-f", commandLine]);
        return r.ExitCode == 0;
    }
}
