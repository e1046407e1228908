using System.Net;
using System.Net.Sockets;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Bot.Hosting;

/// <summary>
/// What the bot needs from the machine, checked before anything starts (no greeting, no store opened): the web
/// address is free, and the ssh key file is there when the fleet has ssh hosts. One line per problem. The chat
/// token and password files are checked with the config (<see cref="BotOptions.Validate"/>).
/// </summary>
internal static class StartupChecks
{
    public static IReadOnlyList<string> Problems(FleetConfig fleet, BotOptions options, Func<string, string?>? environment = null)
    {
        var p = new List<string>();
        if (SshKeyProblem(fleet, environment ?? Environment.GetEnvironmentVariable) is { } key) p.Add(key);
        if (options.Web.Enabled && !IsFree(options.Web.Url)) p.Add(WebUrlInUse(options.Web.Url));
        return p;
    }

    public static string WebUrlInUse(string url) =>
        $"web.url: {url} is already in use (another chatops running?); set web.url to a free address, or web.enabled to false";

    private static string? SshKeyProblem(FleetConfig fleet, Func<string, string?> environment)
    {
        var ssh = fleet.Hosts.Where(h => h.Enabled && h.Transport == TransportKind.Ssh).Select(h => h.Name).ToList();
        if (ssh.Count == 0) return null;
        var fromEnvironment = environment(fleet.Ssh.KeyFileEnv);
        var (path, where) = string.IsNullOrWhiteSpace(fromEnvironment)
            ? (fleet.Ssh.KeyFile, "ssh.keyFile")
            : (Path.GetFullPath(fromEnvironment), fleet.Ssh.KeyFileEnv);
        if (path is null) return null; // the config check has said so
        var hosts = $"{ssh.Count} ssh host(s): {string.Join(", ", ssh.Take(3))}{(ssh.Count > 3 ? ", …" : "")}";
        try
        {
            using var _ = File.OpenRead(path);
            return null;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return $"{where}: the ssh key {path} does not exist (needed for {hosts})";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{where}: the ssh key {path} cannot be read: {ex.Message} (needed for {hosts})";
        }
    }

    /// <summary>Whether Kestrel could listen on <paramref name="url"/>: a listener opened and closed on its address and port.</summary>
    private static bool IsFree(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Port == 0) return true;
        var address = uri.Host is "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip
            : IPAddress.Any; // '*', '+' and host names: Kestrel listens on every address
        var probe = new TcpListener(address, uri.Port);
        try
        {
            probe.Start();
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return false;
        }
        catch (SocketException)
        {
            // Not ours to judge (no such address here, no permission): Kestrel reports it when it binds.
            return true;
        }
        finally
        {
            probe.Stop();
        }
    }
}
