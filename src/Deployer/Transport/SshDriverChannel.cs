using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// The exec channel a <see cref="DriverSequence"/> runs in. SSH.NET's output streams only offer a blocking
/// <c>Read</c>; rather than a thread per stream per host, one loop per host polls how much each has buffered
/// (<c>Length</c>) and reads only what is there, checking again at once while data flows and backing off to
/// <see cref="MaxPoll"/> while the host is quiet (a step running).
/// </summary>
internal sealed class SshDriverChannel(SshCommand ssh, Stream input, Func<int, Task<CommandStop>> kill) : IDriverChannel
{
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(20);

    private int _closed;

    /// <summary>Opens the channel with the driver's command and starts pumping its output into the sequence.</summary>
    public static async Task<SshDriverChannel> OpenAsync(SshClient client, DriverSequence sequence, string label, Func<int, Task<CommandStop>> kill)
    {
        var ssh = client.CreateCommand(HostDriver.Command);
        Task execution;
        try
        {
            // ExecuteAsync opens the channel and sends the exec request synchronously; keep that off the caller's thread.
            execution = await Task.Run(() => Task.FromResult(ssh.ExecuteAsync(CancellationToken.None)));
        }
        catch
        {
            ssh.Dispose();
            throw;
        }

        var channel = new SshDriverChannel(ssh, ssh.CreateInputStream(), kill);
        _ = channel.PumpAsync(execution, sequence, label);
        return channel;
    }

    public Task SendAsync(string text)
    {
        if (Volatile.Read(ref _closed) != 0) throw new ObjectDisposedException(nameof(SshDriverChannel));
        var bytes = Encoding.UTF8.GetBytes(text);
        input.Write(bytes);
        input.Flush();
        return Task.CompletedTask;
    }

    public Task<CommandStop> KillGroupAsync(int pgid) => kill(pgid);

    public async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0) return;
        await Task.Run(() =>
        {
            try
            {
                input.Dispose();
            }
            catch (Exception ex) when (ex is SshException or ObjectDisposedException or InvalidOperationException or IOException)
            {
                // The channel is already gone.
            }

            ssh.Dispose();
        });
    }

    private async Task PumpAsync(Task execution, DriverSequence sequence, string label)
    {
        var buffer = new byte[16 * 1024];
        var idle = 0;
        CommandError why;
        try
        {
            while (true)
            {
                var got = Drain(ssh.OutputStream, buffer, sequence.OnStdout) | Drain(ssh.ExtendedOutputStream, buffer, sequence.OnStderr);
                if (got)
                {
                    idle = 0;
                    continue;
                }

                if (execution.IsCompleted || sequence.IsClosed || Volatile.Read(ref _closed) != 0)
                {
                    Drain(ssh.OutputStream, buffer, sequence.OnStdout);
                    Drain(ssh.ExtendedOutputStream, buffer, sequence.OnStderr);
                    break;
                }

                idle++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(MaxPoll.TotalMilliseconds, 1 << Math.Min(idle, 5)));
                await Task.WhenAny(execution, Task.Delay(delay));
            }

            if (!execution.IsCompleted)
            {
                sequence.OnClosed(new CommandError { Kind = CommandErrorKind.SequenceClosed });
                return;
            }

            await execution;
            why = ssh.ExitStatus is { } code
                ? new CommandError { Kind = CommandErrorKind.DriverExited, Host = label, ExitCode = code }
                : new CommandError { Kind = CommandErrorKind.ChannelClosed, Host = label };
        }
        catch (Exception ex) when (ex is SshException or ObjectDisposedException or InvalidOperationException or IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            why = Volatile.Read(ref _closed) != 0
                ? new CommandError { Kind = CommandErrorKind.SequenceClosed }
                : new CommandError { Kind = CommandErrorKind.ConnectionBroke, Host = label, Detail = ex.Message };
        }

        sequence.OnClosed(why);
    }

    private static bool Drain(Stream stream, byte[] buffer, Action<ReadOnlySpan<byte>> sink)
    {
        var any = false;
        while (stream.Length > 0)
        {
            var read = stream.Read(buffer, 0, buffer.Length);
            if (read <= 0) break;
            sink(buffer.AsSpan(0, read));
            any = true;
        }

        return any;
    }
}
