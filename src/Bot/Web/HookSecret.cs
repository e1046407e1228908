using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using ChatOpsReconfig.Bot.Hosting;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>How a request's <c>X-Hub-Signature-256</c> compares with the body and the secret.</summary>
internal enum SignatureCheck
{
    /// <summary>No secret is configured: hooks are not signed.</summary>
    NotRequired,
    Valid,
    Missing,
    Malformed,
    Mismatch,
}

/// <summary>
/// The push hooks' shared secret, read once at start from the environment variable <c>web.hookSecretEnv</c> or else the
/// file <c>web.hookSecretFile</c> (never from the config itself), and the check of GitHub's <c>X-Hub-Signature-256</c>
/// (<c>sha256=</c> and the hex HMAC-SHA256 of the raw body). Holds the key only; nothing here prints it.
/// </summary>
internal sealed class HookSecret
{
    public const string SignatureHeader = "X-Hub-Signature-256";

    private const string Prefix = "sha256=";

    private readonly byte[]? _key;

    private HookSecret(byte[]? key, string source)
    {
        _key = key;
        Source = source;
    }

    public static HookSecret None { get; } = new(null, "none");

    public bool Required => _key is not null;

    /// <summary>Where the secret came from (a variable or file name, never the value), for the start-up log.</summary>
    public string Source { get; }

    /// <summary>Reads the secret; the file was checked by validation, so failing here means it changed since.</summary>
    public static HookSecret Load(WebOptions web)
    {
        var (key, source) = Read(web.HookSecretEnv, web.HookSecretFile, "web.hookSecretFile");
        return key is null ? None : new(key, source);
    }

    /// <summary>
    /// A secret from the environment variable <paramref name="variable"/>, else from <paramref name="file"/>, with where
    /// it came from (never the value); null when neither holds one. The file was checked by validation, so failing here
    /// means it changed since.
    /// </summary>
    public static (byte[]? Value, string Source) Read(string variable, string? file, string fileKey)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(variable)?.Trim();
        if (!string.IsNullOrEmpty(fromEnvironment)) return (Encoding.UTF8.GetBytes(fromEnvironment), $"environment variable {variable}");
        if (file is null) return (null, "none");

        var (secret, error) = ReadFile(file);
        if (error is not null) throw new InvalidOperationException($"{fileKey}: {error}");
        if (secret.Length == 0) throw new InvalidOperationException($"{fileKey}: {file} is empty");
        return (Encoding.UTF8.GetBytes(secret), $"file {Path.GetFullPath(file)}");
    }

    /// <summary>The file's text without surrounding whitespace (<c>echo secret &gt; file</c> adds a newline), or why it cannot be read.</summary>
    public static (string Secret, string? Error) ReadFile(string path)
    {
        try
        {
            if (Directory.Exists(path)) return ("", $"{path} is a directory");
            return (File.ReadAllText(Path.GetFullPath(path)).Trim(), null);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return ("", $"{path} does not exist");
        }
        catch (UnauthorizedAccessException)
        {
            return ("", $"cannot read {path}: permission denied");
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or NotSupportedException)
        {
            return ("", $"cannot read {path}: {ex.Message}");
        }
    }

    /// <summary>Compares the signature header with the HMAC of <paramref name="body"/> in constant time.</summary>
    public SignatureCheck Verify(ReadOnlySpan<byte> body, string? header)
    {
        if (_key is null) return SignatureCheck.NotRequired;
        if (string.IsNullOrEmpty(header)) return SignatureCheck.Missing;
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || header.Length != Prefix.Length + (2 * HMACSHA256.HashSizeInBytes))
            return SignatureCheck.Malformed;

        Span<byte> given = stackalloc byte[HMACSHA256.HashSizeInBytes];
        if (Convert.FromHexString(header.AsSpan(Prefix.Length), given, out _, out var written) != OperationStatus.Done || written != given.Length)
            return SignatureCheck.Malformed;

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, body, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected) ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }
}
