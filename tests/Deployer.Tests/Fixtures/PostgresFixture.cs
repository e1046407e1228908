using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>
/// A real PostgreSQL server from Debian's binaries (<c>/usr/lib/postgresql/N/bin</c>, installed by test.sh), started
/// on a throwaway data directory and a free loopback port, as the unprivileged <c>postgres</c> user when the tests run
/// as root (the server refuses to run as root). Trust authentication, fsync off: it only ever holds test data. Each
/// test asks for a database of its own.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private const string Superuser = "chatops";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "chatops-pg-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _server;
    private int _port;

    public string AdminConnectionString => $"Host=127.0.0.1;Port={_port};Username={Superuser};Database=postgres;Pooling=false";

    public async Task InitializeAsync()
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql")
            .Where(d => File.Exists(Path.Combine(d, "bin", "postgres")))
            .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            .Select(d => Path.Combine(d, "bin"))
            .FirstOrDefault() ?? throw new InvalidOperationException("no PostgreSQL under /usr/lib/postgresql: run ./test.sh (it installs Debian's postgresql)");
        var data = Path.Combine(_root, "data");
        Directory.CreateDirectory(_root);
        var asRoot = Environment.UserName == "root";
        if (asRoot) await Shell.CheckAsync("chown", ["postgres", _root]);

        await Shell.CheckAsync(Run(asRoot, Path.Combine(bin, "initdb")).File, [.. Run(asRoot, Path.Combine(bin, "initdb")).Args,
            "-D", data, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);

        _port = FreePort();
        var (file, args) = Run(asRoot, Path.Combine(bin, "postgres"));
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var a in new[]
                 {
                     "-D", data, "-p", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", _root,
                     "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off", "-c", "max_connections=200",
                 })
        {
            psi.ArgumentList.Add(a);
        }

        _server = Process.Start(psi) ?? throw new InvalidOperationException("postgres did not start");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        // Ready when it accepts a connection; the bound only guards against a server that never comes up.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await using var c = new NpgsqlConnection(AdminConnectionString);
                await c.OpenAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException && DateTime.UtcNow < deadline && !_server.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N");
        await using (var c = new NpgsqlConnection(AdminConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }

        return $"Host=127.0.0.1;Port={_port};Username={Superuser};Database={name}";
    }

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        NpgsqlConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A backend still closing its files; the directory is under /tmp.
        }
    }

    private static (string File, string[] Args) Run(bool asRoot, string program) =>
        asRoot ? ("runuser", ["-u", "postgres", "--", program]) : (program, []);

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
