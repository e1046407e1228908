using System.Security.Cryptography;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// Decides whether the key a server presents is the one we expect. A pinned fingerprint (<c>SHA256:…</c> as
/// <c>ssh-keygen -lf</c> prints it) wins; otherwise the known_hosts file decides. No key, no connection.
/// </summary>
public sealed class HostKeyPolicy(string? knownHostsPath)
{
    private readonly Lock _cacheGate = new();
    private (string Text, KnownHostsFile File)? _cache;

    /// <summary>The known_hosts file consulted when a host has no pinned fingerprint; null when none is configured.</summary>
    public string? KnownHostsPath { get; } = knownHostsPath;

    /// <summary>Checks <paramref name="keyBlob"/> (the server's public key in SSH wire format) for <paramref name="target"/>.</summary>
    public HostKeyVerdict Verify(HostKeyTarget target, ReadOnlySpan<byte> keyBlob)
    {
        var got = Fingerprint(keyBlob);
        var refusal = new HostKeyRefusal { Host = target.Label, Fingerprint = got, KeyType = KeyType(keyBlob) };

        if (target.PinnedFingerprint is { } pinned)
        {
            var expected = new ExpectedHostKey { Fingerprint = Normalize(pinned) };
            return SameFingerprint(pinned, got)
                ? HostKeyVerdict.Trust(got, expected)
                : HostKeyVerdict.Refuse(ConnectFailureKind.HostKeyMismatch, refusal with { Problem = HostKeyProblem.PinChanged, Expected = [expected] });
        }

        if (KnownHostsPath is null)
        {
            return HostKeyVerdict.Refuse(ConnectFailureKind.HostKeyUnknown, refusal with { Problem = HostKeyProblem.NoKnownHosts });
        }

        KnownHostsFile file;
        try
        {
            file = LoadKnownHosts(KnownHostsPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HostKeyVerdict.Refuse(ConnectFailureKind.Config,
                refusal with { Problem = HostKeyProblem.KnownHostsUnreadable, KnownHosts = KnownHostsPath, Detail = ex.Message });
        }

        return Verify(target, keyBlob, file);
    }

    /// <summary>Checks against already parsed known_hosts entries (pins are ignored here).</summary>
    public static HostKeyVerdict Verify(HostKeyTarget target, ReadOnlySpan<byte> keyBlob, KnownHostsFile file)
    {
        var got = Fingerprint(keyBlob);
        var type = KeyType(keyBlob);
        var refusal = new HostKeyRefusal { Host = target.Label, Fingerprint = got, KeyType = type, KnownHosts = file.Source };
        var entries = file.For(target.Address, target.Port).Where(e => e.Marker != KnownHostMarker.CertAuthority).ToList();

        foreach (var entry in entries)
        {
            if (entry.Marker == KnownHostMarker.Revoked && entry.SameKey(keyBlob))
            {
                return HostKeyVerdict.Refuse(ConnectFailureKind.HostKeyMismatch, refusal with { Problem = HostKeyProblem.Revoked, Line = entry.Line });
            }
        }

        var trusted = entries.Where(e => e.Marker == KnownHostMarker.None).ToList();
        KnownHostEntry? match = null;
        foreach (var entry in trusted)
        {
            if (entry.SameKey(keyBlob)) { match = entry; break; }
        }

        if (match is not null) return HostKeyVerdict.Trust(got, Known(match));

        var sameType = trusted.Where(e => e.KeyType == type).ToList();
        if (sameType.Count > 0)
        {
            return HostKeyVerdict.Refuse(ConnectFailureKind.HostKeyMismatch,
                refusal with { Problem = HostKeyProblem.Changed, Expected = sameType.Select(Known).ToList() });
        }

        if (trusted.Count > 0)
        {
            return HostKeyVerdict.Refuse(ConnectFailureKind.HostKeyMismatch,
                refusal with { Problem = HostKeyProblem.OnlyOtherTypes, Expected = trusted.Select(Known).ToList() });
        }

        return HostKeyVerdict.Refuse(ConnectFailureKind.HostKeyUnknown,
            refusal with { Problem = HostKeyProblem.Unknown, LookupName = KnownHostsFile.LookupName(target.Address, target.Port) });

        ExpectedHostKey Known(KnownHostEntry e) => new() { Fingerprint = Fingerprint(e.KeyBlob), KeyType = e.KeyType, Source = file.Source, Line = e.Line };
    }

    /// <summary>
    /// The key types known_hosts lists for a host, so the client can ask for those first (as OpenSSH does);
    /// otherwise a server offering a newer key type than the one recorded would look like a changed key.
    /// </summary>
    public IReadOnlyList<string> KnownKeyTypes(string address, int port)
    {
        if (KnownHostsPath is null) return [];
        try
        {
            return LoadKnownHosts(KnownHostsPath).For(address, port)
                .Where(e => e.Marker == KnownHostMarker.None)
                .Select(e => e.KeyType)
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>
    /// The known_hosts file as it is now. It is read on every connect (an edit takes effect at the next one), but
    /// parsed again only when its text changed: every connect asks twice (key types, then the verdict), and a
    /// rollout to a few hundred hosts would otherwise parse a large shared known_hosts hundreds of times.
    /// IO errors propagate.
    /// </summary>
    private KnownHostsFile LoadKnownHosts(string path)
    {
        var text = File.ReadAllText(path);
        lock (_cacheGate)
        {
            if (_cache is { } c && string.Equals(c.Text, text, StringComparison.Ordinal)) return c.File;
        }

        var file = KnownHostsFile.Parse(text, path);
        lock (_cacheGate) _cache = (text, file);
        return file;
    }

    /// <summary><c>SHA256:</c> and the unpadded base64 SHA-256 of the key blob, as <c>ssh-keygen -lf</c> prints it.</summary>
    public static string Fingerprint(ReadOnlySpan<byte> keyBlob) =>
        "SHA256:" + Convert.ToBase64String(SHA256.HashData(keyBlob)).TrimEnd('=');

    /// <summary>The key type a public key blob starts with (<c>ssh-ed25519</c>, <c>ssh-rsa</c>, …), or null.</summary>
    public static string? KeyType(ReadOnlySpan<byte> keyBlob) => SshKeyBlob.ReadType(keyBlob);

    private static bool SameFingerprint(string pinned, string got) =>
        string.Equals(Normalize(pinned), got, StringComparison.Ordinal);

    private static string Normalize(string fingerprint)
    {
        var f = fingerprint.Trim();
        if (f.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase)) f = f[7..];
        return "SHA256:" + f.TrimEnd('=');
    }
}

/// <summary>The host whose key is checked: label for messages (<c>bm01 (127.0.0.1:2222)</c>), address, port and pin.</summary>
public sealed record HostKeyTarget(string Name, string Address, int Port, string? PinnedFingerprint)
{
    public string Label => $"{Name} ({Address}:{Port})";
}

/// <summary>
/// Whether to trust a host key: the key's fingerprint and, when trusted, the key it matched; when not, the connect
/// failure kind and the refusal as data.
/// </summary>
public sealed record HostKeyVerdict(bool Trusted, string Fingerprint, ExpectedHostKey? Match, ConnectFailureKind? Failure, HostKeyRefusal? Refusal)
{
    public static HostKeyVerdict Trust(string fingerprint, ExpectedHostKey match) => new(true, fingerprint, match, null, null);

    public static HostKeyVerdict Refuse(ConnectFailureKind kind, HostKeyRefusal refusal) => new(false, refusal.Fingerprint, null, kind, refusal);
}
