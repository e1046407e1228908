using ChatOpsReconfig.Deployer.Fleet;
using Renci.SshNet;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// The order in which key exchange algorithms are offered. SSH.NET 2026.0.0 offers mlkem768x25519-sha256 first and
/// sntrup761x25519-sha512 second, both computed in managed code (BouncyCastle). OpenSSH 9.0 to 9.8 servers (Debian 12
/// ships 9.2) do not know ML-KEM, so they agree on sntrup761, whose key generation costs the client about 120 ms of
/// CPU per connection here (2 vCPUs), against about 15 ms for curve25519-sha256: at parallelism 10 on 2 CPUs that
/// alone kept the handshakes of a wave CPU-bound for over a second (bench/rollout). So the default order keeps ML-KEM
/// first (post-quantum where the server has it, and cheap), then curve25519 and the NIST curves, and moves sntrup761
/// after them: a server that offers only sntrup761 and nothing classical still gets it. <c>ssh.keyExchange</c> in
/// the fleet config replaces the order, e.g. to put sntrup761 first again where that protection is worth the CPU.
/// </summary>
public static class SshAlgorithms
{
    /// <summary>The default preference; algorithms SSH.NET supports but not listed here follow in SSH.NET's order.</summary>
    public static readonly IReadOnlyList<string> DefaultKeyExchange =
    [
        "mlkem768x25519-sha256",
        "curve25519-sha256",
        "curve25519-sha256@libssh.org",
        "ecdh-sha2-nistp256",
        "ecdh-sha2-nistp384",
        "ecdh-sha2-nistp521",
        "sntrup761x25519-sha512",
        "sntrup761x25519-sha512@openssh.com",
    ];

    private static readonly Lazy<IReadOnlyList<string>> Supported = new(() =>
        new ConnectionInfo("localhost", "user", new NoneAuthenticationMethod("user")).KeyExchangeAlgorithms.Keys.ToList());

    /// <summary>Key exchange algorithms SSH.NET implements, in its own order.</summary>
    public static IReadOnlyList<string> SupportedKeyExchange => Supported.Value;

    /// <summary><c>ssh.keyExchange</c> names the transport does not implement.</summary>
    public static IEnumerable<string> Problems(SshSettings ssh) =>
        (ssh.KeyExchange ?? []).Where(n => !SupportedKeyExchange.Contains(n, StringComparer.Ordinal))
            .Select(n => $"ssh.keyExchange: '{n}' is not supported (supported: {string.Join(", ", SupportedKeyExchange)})");

    /// <summary>
    /// Reorders <paramref name="connectionInfo"/>'s key exchange algorithms: <paramref name="configured"/> when given
    /// (only those, in that order), else <see cref="DefaultKeyExchange"/> followed by whatever else SSH.NET offers.
    /// </summary>
    internal static void ApplyKeyExchange(ConnectionInfo connectionInfo, IReadOnlyList<string>? configured)
    {
        var all = connectionInfo.KeyExchangeAlgorithms.ToList();
        var order = configured ?? DefaultKeyExchange;
        var first = order.SelectMany(name => all.Where(kv => kv.Key == name)).ToList();
        var rest = configured is null ? all.Where(kv => !order.Contains(kv.Key, StringComparer.Ordinal)) : [];
        connectionInfo.KeyExchangeAlgorithms.Clear();
        foreach (var (name, factory) in first.Concat(rest)) connectionInfo.KeyExchangeAlgorithms.Add(name, factory);
    }
}
