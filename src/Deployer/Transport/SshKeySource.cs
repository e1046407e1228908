using ChatOpsReconfig.Deployer.Fleet;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// The private key for every connection: the file named by the environment variable <see cref="SshSettings.KeyFileEnv"/>,
/// else <see cref="SshSettings.KeyFile"/>; passphrase from <see cref="SshSettings.KeyPassphraseEnv"/>. Loaded once and
/// reloaded when the file changes. Failures name the file and the variables, never the passphrase.
/// </summary>
internal sealed class SshKeySource(SshSettings settings)
{
    private readonly Lock _gate = new();
    private (string Path, DateTime Written, bool HasPassphrase, IPrivateKeySource Key)? _cached;

    public (IPrivateKeySource? Key, string Path, ConnectFailure? Error) Get()
    {
        var fromEnv = Environment.GetEnvironmentVariable(settings.KeyFileEnv);
        var configured = string.IsNullOrWhiteSpace(fromEnv) ? settings.KeyFile : fromEnv;
        if (string.IsNullOrWhiteSpace(configured))
            return (null, "", Failure(ConnectProblem.NoKeyConfigured, null, null, settings.KeyFileEnv));

        var where = string.IsNullOrWhiteSpace(fromEnv) ? "ssh.keyFile" : $"${settings.KeyFileEnv}";
        string path;
        DateTime written;
        try
        {
            path = Path.GetFullPath(configured);
            if (!File.Exists(path)) return (null, path, Failure(ConnectProblem.KeyMissing, path, where));
            written = File.GetLastWriteTimeUtc(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return (null, configured, Failure(ConnectProblem.KeyUnreadable, configured, where, detail: ex.Message));
        }

        var passphrase = Environment.GetEnvironmentVariable(settings.KeyPassphraseEnv);
        var hasPassphrase = !string.IsNullOrEmpty(passphrase);
        lock (_gate)
        {
            if (_cached is { } c && c.Path == path && c.Written == written && c.HasPassphrase == hasPassphrase) return (c.Key, path, null);

            try
            {
                using var stream = File.OpenRead(path);
                var key = hasPassphrase ? new PrivateKeyFile(stream, passphrase) : new PrivateKeyFile(stream);
                _cached = (path, written, hasPassphrase, key);
                return (key, path, null);
            }
            catch (SshPassPhraseNullOrEmptyException)
            {
                return (null, path, Failure(ConnectProblem.KeyEncrypted, path, where, settings.KeyPassphraseEnv));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return (null, path, Failure(ConnectProblem.KeyUnreadable, path, where, detail: ex.Message));
            }
            catch (Exception ex)
            {
                // SSH.NET reports a wrong passphrase or an unknown format with assorted exception types.
                return (null, path, Failure(ConnectProblem.KeyUnusable, path, where, hasPassphrase ? settings.KeyPassphraseEnv : null, ex.Message));
            }
        }
    }

    private static ConnectFailure Failure(ConnectProblem problem, string? path, string? from, string? variable = null, string? detail = null) =>
        new() { Kind = ConnectFailureKind.Config, Problem = problem, Path = path, From = from, Variable = variable, Detail = detail };
}
