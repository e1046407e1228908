using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// One SSH connection to a host; every command runs on its own channel of it. Output is pumped into
/// <see cref="OutputTail"/>s while the command runs, so a command printing megabytes costs a fixed amount of memory
/// (SSH.NET buffers channel data in an unbounded pipe until someone reads it).
/// </summary>
internal sealed class SshHostSession(
    SshClient client, string label, string basedir, int maxOutputBytes, TimeProvider time, ILogger logger) : IHostSession
{
    /// <summary>How long the kill command itself may take (TERM, up to 2 s of waiting, KILL).</summary>
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    /// <summary>After the kill, how long the command's channel gets to close by itself before we close it.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for the output pumps once the channel is gone.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private int _disposed;

    /// <summary>The sequence running on this connection, told when the connection is closed under it.</summary>
    private DriverSequence? _sequence;

    public async Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        if (Volatile.Read(ref _disposed) != 0) return Broken(started, new CommandError { Kind = CommandErrorKind.SessionClosed });
        if (!client.IsConnected) return Broken(started, Lost());

        var marker = RemoteCommand.NewMarker();
        SshCommand ssh;
        try
        {
            ssh = client.CreateCommand(RemoteCommand.Wrap(command, basedir, marker));
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            return Broken(started, Lost(ex.Message));
        }

        using (ssh)
        {
            var stdout = new OutputTail(maxOutputBytes);
            var stderr = new OutputTail(maxOutputBytes);
            var pid = new PidMarkerReader(marker, stdout);
            var pumps = Task.WhenAll(
                PumpAsync(ssh.OutputStream, pid.Append, pid.Complete),
                PumpAsync(ssh.ExtendedOutputStream, stderr.Append, () => { }));

            // ExecuteAsync opens the channel synchronously; keep that off the caller's thread.
            // The token stays None: on cancellation SSH.NET would only signal the shell, see RemoteCommand.
            var execution = Task.Run(() => ssh.ExecuteAsync(CancellationToken.None), CancellationToken.None);

            using var timeoutCts = new CancellationTokenSource(timeout, time);
            using var stopCts = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (stopCts.Token.Register(() => stopped.TrySetResult()))
            {
                await Task.WhenAny(execution, stopped.Task);
            }

            if (!execution.IsCompleted)
            {
                var why = timeoutCts.IsCancellationRequested ? CommandStatus.TimedOut : CommandStatus.Error;
                var killed = await StopAsync(ssh, execution, pid);
                await DrainAsync(pumps);
                var elapsed = time.GetElapsedTime(started);
                TransportLog.CommandStopped(logger, label, Math.Round(elapsed.TotalSeconds, 1), why == CommandStatus.TimedOut ? "timeout" : "cancelled", killed.Kind, killed.ProcessGroup);
                var error = why == CommandStatus.TimedOut
                    ? new CommandError { Kind = CommandErrorKind.TimedOut, Seconds = (int)Math.Round(timeout.TotalSeconds), Stop = killed }
                    : new CommandError { Kind = CommandErrorKind.Cancelled, Stop = killed };
                return CommandOutcome.Of(why, null, stdout, stderr, elapsed, error);
            }

            try
            {
                await execution;
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                await DrainAsync(pumps);
                TransportLog.ConnectionLost(logger, label, ex.Message);
                return CommandOutcome.Of(CommandStatus.Error, null, stdout, stderr, time.GetElapsedTime(started),
                    new CommandError { Kind = CommandErrorKind.BrokeWhileRunning, Host = label, Detail = ex.Message });
            }

            await DrainAsync(pumps);
            return Finished(ssh, stdout, stderr, time.GetElapsedTime(started));
        }
    }

    public async Task<IHostSequence> StartSequenceAsync(SequenceOptions options, CancellationToken cancellationToken)
    {
        var sequence = new DriverSequence(label, maxOutputBytes, time, logger);
        _sequence = sequence;
        SshDriverChannel channel;
        try
        {
            if (Volatile.Read(ref _disposed) != 0 || !client.IsConnected) throw new SshConnectionException("not connected");
            channel = await SshDriverChannel.OpenAsync(client, sequence, label, KillAsync);
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            sequence.OnClosed(Lost(ex.Message));
            await sequence.StartAsync(new FailedChannel(), basedir, options);
            return sequence;
        }

        await sequence.StartAsync(channel, basedir, options);
        return sequence;
    }

    /// <summary>Stands in for a channel that could not be opened: every use fails.</summary>
    private sealed class FailedChannel : IDriverChannel
    {
        public Task SendAsync(string text) => throw new ObjectDisposedException("channel");

        public Task<CommandStop> KillGroupAsync(int pgid) => Task.FromResult(new CommandStop { Kind = StopKind.NoChannel, ProcessGroup = pgid });

        public ValueTask CloseAsync() => ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;

        // SSH.NET does not end a channel's command when the client itself disconnects.
        _sequence?.OnClosed(new CommandError { Kind = CommandErrorKind.ConnectionClosed, Host = label });

        // Disconnect waits for the server's goodbye; never on the caller's thread.
        await Task.Run(() =>
        {
            try
            {
                if (client.IsConnected) client.Disconnect();
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                // Already gone: nothing left to close.
            }

            client.Dispose();
        });
    }

    private CommandOutcome Finished(SshCommand ssh, OutputTail stdout, OutputTail stderr, TimeSpan elapsed)
    {
        if (ssh.ExitStatus is { } code)
        {
            return CommandOutcome.Of(code == 0 ? CommandStatus.Ok : CommandStatus.Failed, code, stdout, stderr, elapsed);
        }

        if (ssh.ExitSignal is { } signal)
        {
            // Report what a shell would: 128 + the signal number.
            return CommandOutcome.Of(CommandStatus.Failed, 128 + SignalNumber(signal), stdout, stderr, elapsed,
                new CommandError { Kind = CommandErrorKind.Signal, Signal = signal });
        }

        return CommandOutcome.Of(CommandStatus.Error, null, stdout, stderr, elapsed,
            new CommandError { Kind = CommandErrorKind.NoExitStatus, Host = label });
    }

    /// <summary>Kills the remote process group over a second channel, then closes the command's channel.</summary>
    private async Task<CommandStop> StopAsync(SshCommand ssh, Task execution, PidMarkerReader pid)
    {
        CommandStop killed;
        // Only a pid already read counts: awaiting a completed task does not wait.
        if ((pid.Pid.IsCompletedSuccessfully ? await pid.Pid : null) is { } remotePid)
        {
            killed = await KillAsync(remotePid);
        }
        else
        {
            killed = new CommandStop { Kind = StopKind.PidUnknown };
        }

        await Task.WhenAny(execution, Task.Delay(CloseGrace, time));
        _ = execution.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        await Task.Run(ssh.Dispose);
        return killed;
    }

    private async Task<CommandStop> KillAsync(int remotePid)
    {
        try
        {
            using var kill = client.CreateCommand(RemoteCommand.Kill(remotePid));
            var run = Task.Run(() => kill.ExecuteAsync(CancellationToken.None));
            if (await Task.WhenAny(run, Task.Delay(KillTimeout, time)) != run)
            {
                _ = run.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                return new CommandStop { Kind = StopKind.KillTimedOut, ProcessGroup = remotePid, Seconds = (int)KillTimeout.TotalSeconds };
            }

            await run;
            return new CommandStop { Kind = StopKind.Killed, ProcessGroup = remotePid };
        }
        catch (Exception ex) when (IsConnectionFailure(ex))
        {
            return new CommandStop { Kind = StopKind.KillFailed, ProcessGroup = remotePid, Detail = ex.Message };
        }
    }

    private static Task PumpAsync(Stream stream, Action<ReadOnlySpan<byte>> sink, Action complete) =>
        // PipeStream.Read blocks until data comes or the command ends; a dedicated thread keeps the pool free.
        Task.Factory.StartNew(
            () =>
            {
                // SSH.NET hands over what has arrived so far; a small chunk only means more reads for big output.
                var chunk = new byte[4 * 1024];
                try
                {
                    int read;
                    while ((read = stream.Read(chunk, 0, chunk.Length)) > 0) sink(chunk.AsSpan(0, read));
                }
                catch (ObjectDisposedException)
                {
                    // The command was disposed while we read: the output ends here.
                }

                complete();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

    private async Task DrainAsync(Task pumps) => await Task.WhenAny(pumps, Task.Delay(DrainTimeout, time));

    private CommandOutcome Broken(long started, CommandError error) =>
        new(CommandStatus.Error, null, "", "", time.GetElapsedTime(started), error);

    private CommandError Lost(string? detail = null) => new() { Kind = CommandErrorKind.ConnectionLost, Host = label, Detail = detail };

    private static bool IsConnectionFailure(Exception ex) =>
        ex is SshException or ObjectDisposedException or InvalidOperationException or SocketException or IOException or TimeoutException;

    private static int SignalNumber(string signal) => signal switch
    {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "ABRT" => 6,
        "FPE" => 8,
        "KILL" => 9,
        "USR1" => 10,
        "SEGV" => 11,
        "USR2" => 12,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 0,
    };
}
