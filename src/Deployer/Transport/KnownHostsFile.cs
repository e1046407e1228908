using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>Why a known_hosts line could not be read.</summary>
public enum KnownHostsLineProblem
{
    /// <summary>A marker other than <c>@revoked</c> or <c>@cert-authority</c> (<see cref="KnownHostsProblem.Value"/>).</summary>
    UnknownMarker,

    /// <summary>Fewer fields than host patterns, key type and key.</summary>
    TooFewFields,

    KeyNotBase64,

    /// <summary>The key type field (<see cref="KnownHostsProblem.Value"/>) does not match the key data.</summary>
    KeyTypeMismatch,

    /// <summary>A <c>|1|salt|hash</c> host entry that does not decode.</summary>
    MalformedHash,
}

/// <summary>A known_hosts line that could not be read: its number, why, and the field concerned.</summary>
public sealed record KnownHostsProblem(int Line, KnownHostsLineProblem Problem, string? Value = null);

/// <summary>
/// An OpenSSH known_hosts file: plain host patterns (<c>host</c>, <c>[host]:port</c>, comma lists, <c>*</c>/<c>?</c>
/// wildcards, <c>!</c> negation), hashed <c>|1|salt|hash</c> entries and the <c>@revoked</c> marker.
/// <c>@cert-authority</c> lines are read but never trusted: host certificates are not supported.
/// </summary>
public sealed class KnownHostsFile
{
    private KnownHostsFile(string source, IReadOnlyList<KnownHostEntry> entries, IReadOnlyList<KnownHostsProblem> problems)
    {
        Source = source;
        Entries = entries;
        Problems = problems;
    }

    /// <summary>Where the entries came from (a path, or a label for parsed text).</summary>
    public string Source { get; }

    public IReadOnlyList<KnownHostEntry> Entries { get; }

    /// <summary>Lines that could not be read, and why; they never match.</summary>
    public IReadOnlyList<KnownHostsProblem> Problems { get; }

    /// <summary>Reads a file; IO errors propagate to the caller.</summary>
    public static KnownHostsFile Load(string path) => Parse(File.ReadAllText(path), path);

    public static KnownHostsFile Parse(string text, string source = "known_hosts")
    {
        var entries = new List<KnownHostEntry>();
        var problems = new List<KnownHostsProblem>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;

            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var marker = KnownHostMarker.None;
            var first = 0;
            if (fields[0].StartsWith('@'))
            {
                marker = fields[0] switch
                {
                    "@revoked" => KnownHostMarker.Revoked,
                    "@cert-authority" => KnownHostMarker.CertAuthority,
                    _ => KnownHostMarker.Unknown,
                };
                first = 1;
            }

            if (marker == KnownHostMarker.Unknown)
            {
                problems.Add(new KnownHostsProblem(lineNumber, KnownHostsLineProblem.UnknownMarker, fields[0]));
                continue;
            }

            if (fields.Length < first + 3)
            {
                problems.Add(new KnownHostsProblem(lineNumber, KnownHostsLineProblem.TooFewFields));
                continue;
            }

            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(fields[first + 2]);
            }
            catch (FormatException)
            {
                problems.Add(new KnownHostsProblem(lineNumber, KnownHostsLineProblem.KeyNotBase64));
                continue;
            }

            var keyType = fields[first + 1];
            if (HostKeyPolicy.KeyType(blob) != keyType)
            {
                problems.Add(new KnownHostsProblem(lineNumber, KnownHostsLineProblem.KeyTypeMismatch, keyType));
                continue;
            }

            var hosts = fields[first];
            if (hosts.StartsWith("|1|", StringComparison.Ordinal))
            {
                var parts = hosts.Split('|');
                byte[] salt, hash;
                try
                {
                    if (parts.Length != 4) throw new FormatException();
                    salt = Convert.FromBase64String(parts[2]);
                    hash = Convert.FromBase64String(parts[3]);
                }
                catch (FormatException)
                {
                    problems.Add(new KnownHostsProblem(lineNumber, KnownHostsLineProblem.MalformedHash));
                    continue;
                }

                entries.Add(new KnownHostEntry(lineNumber, marker, [], salt, hash, keyType, blob));
            }
            else
            {
                entries.Add(new KnownHostEntry(lineNumber, marker, hosts.Split(',', StringSplitOptions.RemoveEmptyEntries), null, null, keyType, blob));
            }
        }

        return new KnownHostsFile(source, entries, problems);
    }

    /// <summary>The entries whose host patterns match <paramref name="address"/> on <paramref name="port"/>.</summary>
    public IEnumerable<KnownHostEntry> For(string address, int port)
    {
        var name = LookupName(address, port);
        return Entries.Where(e => e.Matches(name));
    }

    /// <summary>The name OpenSSH looks up: <c>host</c> on port 22, <c>[host]:port</c> otherwise; lower case.</summary>
    public static string LookupName(string address, int port)
    {
        var host = address.ToLowerInvariant();
        return port == 22 ? host : $"[{host}]:{port}";
    }
}

/// <summary>The marker a known_hosts line may start with.</summary>
public enum KnownHostMarker
{
    None,
    Revoked,
    CertAuthority,
    Unknown,
}

/// <summary>One line of a known_hosts file.</summary>
public sealed record KnownHostEntry(
    int Line,
    KnownHostMarker Marker,
    IReadOnlyList<string> Patterns,
    byte[]? Salt,
    byte[]? Hash,
    string KeyType,
    byte[] KeyBlob)
{
    public bool IsHashed => Hash is not null;

    /// <summary>True when this line names <paramref name="lookupName"/> (see <see cref="KnownHostsFile.LookupName"/>).</summary>
    public bool Matches(string lookupName)
    {
        if (Salt is not null && Hash is not null)
        {
            var computed = HMACSHA1.HashData(Salt, Encoding.UTF8.GetBytes(lookupName));
            return CryptographicOperations.FixedTimeEquals(computed, Hash);
        }

        var matched = false;
        foreach (var raw in Patterns)
        {
            var negated = raw.StartsWith('!');
            var pattern = (negated ? raw[1..] : raw).ToLowerInvariant();
            if (!Glob(pattern, lookupName)) continue;
            if (negated) return false;
            matched = true;
        }

        return matched;
    }

    public bool SameKey(ReadOnlySpan<byte> blob) => blob.SequenceEqual(KeyBlob);

    private static bool Glob(string pattern, string text)
    {
        // Iterative '*' / '?' matching with backtracking to the last star, as OpenSSH's match_pattern does.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t])) { p++; t++; }
            else if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }

        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}

/// <summary>Reads the key type that an SSH public key blob starts with.</summary>
internal static class SshKeyBlob
{
    public static string? ReadType(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 4) return null;
        var length = BinaryPrimitives.ReadUInt32BigEndian(blob);
        if (length == 0 || length > 64 || length > blob.Length - 4) return null;
        var name = blob.Slice(4, (int)length);
        foreach (var b in name)
        {
            if (b is < 0x21 or > 0x7e) return null;
        }

        return Encoding.ASCII.GetString(name);
    }
}
