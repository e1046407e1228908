using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>The <see cref="HostDriver"/> as a local <c>/bin/sh -s</c> process, for the <c>local</c> transport.</summary>
internal sealed class LocalDriverChannel(Process process) : IDriverChannel
{
    private int _closed;

    /// <summary>
    /// Starts the driver process and pumps its output into the sequence; null when /bin/sh cannot start.
    /// <paramref name="searchPath"/> replaces PATH (tests: a host without GNU <c>timeout</c>).
    /// </summary>
    public static LocalDriverChannel? Start(DriverSequence sequence, out CommandError? error, string? searchPath = null, Fleet.LocalHostPriority priority = Fleet.LocalHostPriority.BelowNormal)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-s");
        if (searchPath is not null) psi.Environment["PATH"] = searchPath;
        var niced = LocalPriority.Apply(psi, priority);
        var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            process.Dispose();
            error = new CommandError { Kind = CommandErrorKind.ShellNotStarted, Detail = ex.Message };
            return null;
        }

        if (!niced) LocalPriority.Lower(process, priority);
        error = null;
        var channel = new LocalDriverChannel(process);
        channel._pumps = channel.PumpAsync(sequence);
        return channel;
    }

    public async Task SendAsync(string text)
    {
        if (Volatile.Read(ref _closed) != 0) throw new ObjectDisposedException(nameof(LocalDriverChannel));
        var stdin = process.StandardInput.BaseStream;
        await stdin.WriteAsync(Encoding.UTF8.GetBytes(text));
        await stdin.FlushAsync();
    }

    public async Task<CommandStop> KillGroupAsync(int pgid)
    {
        using var kill = Process.Start(new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", RemoteCommand.Kill(pgid) }, UseShellExecute = false });
        if (kill is null) return new CommandStop { Kind = StopKind.KillFailed, ProcessGroup = pgid };
        await kill.WaitForExitAsync();
        return new CommandStop { Kind = StopKind.Killed, ProcessGroup = pgid };
    }

    public async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The driver is gone already.
        }

        // The driver ends at the end of its input; its output pumps then close their pipes. Waited for (briefly), so a
        // closed channel holds no descriptor; a driver that does not end leaves them to the process's disposal.
        try
        {
            await _pumps.WaitAsync(PumpsWait);
        }
        catch (TimeoutException)
        {
            // A step still running after its sequence was closed: it is the watchdog's and the kill's to end.
        }

        process.Dispose();
    }

    private static readonly TimeSpan PumpsWait = TimeSpan.FromSeconds(2);

    private Task _pumps = Task.CompletedTask;

    private async Task PumpAsync(DriverSequence sequence)
    {
        await Task.WhenAll(
            Pump(process.StandardOutput.BaseStream, sequence.OnStdout),
            Pump(process.StandardError.BaseStream, sequence.OnStderr));
        sequence.OnClosed(new CommandError { Kind = CommandErrorKind.DriverEnded });

        static async Task Pump(Stream stream, Action<ReadOnlySpan<byte>> sink)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0) sink(buffer.AsSpan(0, read));
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // Closed under us: the output ends here.
            }
            finally
            {
                // Process.Dispose leaves a stream read this way open until the finalizer runs: one pipe per stream
                // and sequence would pile up between garbage collections (hundreds per rollout at parallelism 50).
                await stream.DisposeAsync();
            }
        }
    }
}
