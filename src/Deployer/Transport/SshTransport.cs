using System.Net.Sockets;
using ChatOpsReconfig.Deployer.Fleet;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// Connects to hosts with SSH.NET: key authentication only, host keys verified by <see cref="HostKeyPolicy"/>,
/// one connection per host session. Every SSH.NET failure is translated here into a <see cref="ConnectFailure"/>
/// or a <see cref="CommandOutcome"/>; no SSH.NET type or exception leaves this folder.
/// </summary>
public sealed class SshTransport(SshSettings settings, TimeProvider timeProvider, ILogger<SshTransport>? logger = null) : IHostTransport
{
    /// <summary>Extra time past the connect timeout before a handshake SSH.NET is still waiting on is abandoned.</summary>
    private static readonly TimeSpan ConnectGrace = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger = logger ?? NullLogger<SshTransport>.Instance;
    private readonly HostKeyPolicy _hostKeys = new(settings.KnownHosts);
    private readonly SshKeySource _keys = new(settings);
    private readonly SemaphoreSlim _handshakes = new(settings.MaxConcurrentHandshakes, settings.MaxConcurrentHandshakes);

    public async Task<ConnectResult> ConnectAsync(HostConfig host, CancellationToken cancellationToken)
    {
        var port = host.Port ?? settings.Port;
        var user = host.User ?? settings.User;
        var address = host.Address ?? "";
        var label = $"{host.Name} ({address}:{port})";

        if (Refuse(host, address, port, user) is { } problem) return Fail(host, problem);

        var key = _keys.Get();
        if (key.Key is null) return Fail(host, key.Error!); // Get returns a key or an error.

        // The connect timeout starts once it is this host's turn: waiting for a handshake slot is not the host's fault.
        await _handshakes.WaitAsync(cancellationToken);
        try
        {
            return await HandshakeAsync(host, label, user, key.Key, key.Path, cancellationToken);
        }
        finally
        {
            _handshakes.Release();
        }
    }

    private async Task<ConnectResult> HandshakeAsync(
        HostConfig host, string label, string user, IPrivateKeySource privateKey, string keyPath, CancellationToken cancellationToken)
    {
        var address = host.Address ?? "";
        var port = host.Port ?? settings.Port;
        var timeout = TimeSpan.FromSeconds(settings.ConnectTimeoutSeconds);
        var auth = new PrivateKeyAuthenticationMethod(user, privateKey);
        var connectionInfo = new ConnectionInfo(address, port, user, auth)
        {
            Timeout = timeout,
            RetryAttempts = 1,
        };
        PreferKnownKeyTypes(connectionInfo, _hostKeys.KnownKeyTypes(address, port));
        SshAlgorithms.ApplyKeyExchange(connectionInfo, settings.KeyExchange);

        var target = new HostKeyTarget(host.Name, address, port, host.HostKeyFingerprint);
        HostKeyVerdict? verdict = null;
        var client = new SshClient(connectionInfo) { KeepAliveInterval = TimeSpan.FromSeconds(30) };
        client.HostKeyReceived += (_, e) =>
        {
            verdict = _hostKeys.Verify(target, e.HostKey);
            e.CanTrust = verdict.Trusted;
        };


        // SSH.NET's own timeout covers each wait of the handshake; the deadline bounds the whole of it.
        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var connect = client.ConnectAsync(linked.Token);
        ConnectFailure? failure = null;
        try
        {
            failure = await AwaitConnectAsync(connect, label, user, keyPath, timeout, () => verdict, cancellationToken);
        }
        finally
        {
            // The key is only needed during the handshake, and a client that did not connect is of no use; an
            // abandoned handshake may still be running, so both go once it has ended.
            var keep = failure is null && connect.IsCompletedSuccessfully;
            _ = connect.ContinueWith(
                t =>
                {
                    _ = t.Exception;
                    auth.Dispose();
                    if (!keep) client.Dispose();
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default);
        }

        if (failure is not null) return Fail(host, failure);

        TransportLog.Connected(_logger, host.Name, address, port, verdict?.Fingerprint, verdict?.Match?.Source ?? "hostKeyFingerprint", verdict?.Match?.Line);
        return ConnectResult.Ok(new SshHostSession(client, label, host.Basedir, settings.MaxOutputBytes, timeProvider, _logger));
    }

    private async Task<ConnectFailure?> AwaitConnectAsync(
        Task connect, string label, string user, string keyPath, TimeSpan timeout, Func<HostKeyVerdict?> verdict, CancellationToken cancellationToken)
    {
        // A server that accepts and stays mute may hold a phase that does not observe the token: race a guard.
        using var guardCts = new CancellationTokenSource();
        var guard = Task.Delay(timeout + ConnectGrace, timeProvider, guardCts.Token);
        var first = await Task.WhenAny(connect, guard);
        await guardCts.CancelAsync();
        if (first != connect)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return TimedOut();
        }

        try
        {
            await connect;
            return null;
        }
        catch (Exception) when (verdict() is { Trusted: false } refused)
        {
            return new ConnectFailure { Kind = refused.Failure ?? ConnectFailureKind.HostKeyMismatch, Problem = ConnectProblem.HostKeyRefused, Host = label, HostKey = refused.Refusal };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return TimedOut();
        }
        catch (SshOperationTimeoutException)
        {
            return TimedOut();
        }
        catch (SshAuthenticationException ex)
        {
            return new ConnectFailure
            {
                Kind = ConnectFailureKind.AuthFailed, Problem = ConnectProblem.AuthRefused, Host = label, User = user, Path = keyPath, Detail = ex.Message,
            };
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut)
        {
            return TimedOut();
        }
        catch (SocketException ex)
        {
            return new ConnectFailure { Kind = ConnectFailureKind.Unreachable, Problem = Problem(ex), Host = label, Detail = ex.Message };
        }
        catch (Exception ex) when (ex is SshException or IOException or ProxyException)
        {
            return new ConnectFailure { Kind = ConnectFailureKind.Unreachable, Problem = ConnectProblem.HandshakeFailed, Host = label, Detail = ex.Message };
        }

        ConnectFailure TimedOut() => new()
        {
            Kind = ConnectFailureKind.Timeout, Problem = ConnectProblem.HandshakeTimedOut, Host = label, Seconds = (int)Math.Round(timeout.TotalSeconds),
        };
    }

    private static ConnectFailure? Refuse(HostConfig host, string address, int port, string user)
    {
        // These values reach a shell only through quoting, but a name like "bm01;touch /tmp/x" means the config was
        // not validated; nothing runs on such a host.
        ConnectFailure Bad(ConnectProblem problem, string? value) => new() { Kind = ConnectFailureKind.Config, Problem = problem, Host = host.Name, Value = value, Port = port };
        if (!CommandTemplate.IsValidName(host.Name)) return Bad(ConnectProblem.InvalidHostName, host.Name);
        if (address.Length == 0 || address.Length > 253 || !address.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or ':'))
            return Bad(ConnectProblem.InvalidAddress, address);
        if (port is < 1 or > 65535) return Bad(ConnectProblem.InvalidPort, null);
        if (!CommandTemplate.IsValidName(user)) return Bad(ConnectProblem.InvalidUser, user);
        if (!CommandTemplate.IsValidPath(host.Basedir)) return Bad(ConnectProblem.InvalidBasedir, host.Basedir);
        return null;
    }

    /// <summary>
    /// Asks for the key types known_hosts has for this host first, as OpenSSH does, and drops certificate
    /// algorithms (host certificates are not verified, so a certificate could only ever be refused).
    /// </summary>
    private static void PreferKnownKeyTypes(ConnectionInfo connectionInfo, IReadOnlyList<string> knownTypes)
    {
        var all = connectionInfo.HostKeyAlgorithms.ToList();
        var plain = all.Where(kv => !kv.Key.Contains("-cert-", StringComparison.Ordinal)).ToList();
        var preferred = plain.Where(kv => knownTypes.Contains(KeyTypeOf(kv.Key), StringComparer.Ordinal)).ToList();
        connectionInfo.HostKeyAlgorithms.Clear();
        foreach (var (name, factory) in preferred.Concat(plain.Except(preferred))) connectionInfo.HostKeyAlgorithms.Add(name, factory);

        static string KeyTypeOf(string algorithm) => algorithm is "rsa-sha2-256" or "rsa-sha2-512" ? "ssh-rsa" : algorithm;
    }

    private static ConnectProblem Problem(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => ConnectProblem.ConnectionRefused,
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => ConnectProblem.HostNotFound,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => ConnectProblem.NoRoute,
        _ => ConnectProblem.SocketError,
    };

    private ConnectResult Fail(HostConfig host, ConnectFailure failure)
    {
        if (failure.HostKey is { } key)
        {
            TransportLog.HostKeyRefused(_logger, host.Name, failure.Kind, key.Problem, key.Fingerprint, key.KeyType,
                string.Join(", ", key.Expected.Select(e => e.Fingerprint)), key.KnownHosts, key.Detail);
        }
        else
        {
            TransportLog.ConnectFailed(_logger, host.Name, failure.Kind, failure);
        }

        return ConnectResult.Fail(failure);
    }
}
