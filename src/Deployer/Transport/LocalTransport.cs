using System.Diagnostics;
using ChatOpsReconfig.Deployer.Fleet;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>Runs step commands with <c>/bin/sh -c</c> in the host's basedir on this machine.</summary>
public sealed class LocalTransport(int maxOutputBytes, TimeProvider timeProvider, Fleet.LocalHostPriority priority = Fleet.LocalHostPriority.BelowNormal) : IHostTransport
{
    public Task<ConnectResult> ConnectAsync(HostConfig host, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(host.Basedir))
            return Task.FromResult(ConnectResult.Fail(new ConnectFailure { Kind = ConnectFailureKind.Unreachable, Problem = ConnectProblem.BasedirMissing, Host = host.Name, Path = host.Basedir }));
        return Task.FromResult(ConnectResult.Ok(new LocalSession(host.Basedir, maxOutputBytes, timeProvider, priority)));
    }

    private sealed class LocalSession(string basedir, int maxOutputBytes, TimeProvider timeProvider, Fleet.LocalHostPriority priority) : IHostSession
    {
        public async Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var started = timeProvider.GetTimestamp();
            var psi = new ProcessStartInfo("/bin/sh")
            {
                WorkingDirectory = basedir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(command);
            var niced = LocalPriority.Apply(psi, priority);

            // The timeout starts before the process does, so it covers the whole step, start-up included.
            using var timeoutCts = new CancellationTokenSource(timeout, timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeoutCts.Token, cancellationToken);
            using var process = new Process { StartInfo = psi };
            try
            {
                process.Start();
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                return new CommandOutcome(CommandStatus.Error, null, "", "", timeProvider.GetElapsedTime(started), new CommandError { Kind = CommandErrorKind.ShellNotStarted, Detail = ex.Message });
            }

            if (!niced) LocalPriority.Lower(process, priority);
            process.StandardInput.Close();
            var stdout = new OutputTail(maxOutputBytes);
            var stderr = new OutputTail(maxOutputBytes);
            var pumps = Task.WhenAll(
                DrainAsync(stdout, process.StandardOutput.BaseStream),
                DrainAsync(stderr, process.StandardError.BaseStream));
            try
            {
                await process.WaitForExitAsync(linked.Token);
                // A background child of the step (a daemon it started) may keep stdout open after the shell exits;
                // the step is not over until its output ends, and the timeout bounds that wait too.
                await pumps.WaitAsync(linked.Token);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); }
                catch (InvalidOperationException) { /* already exited */ }

                // Grandchildren that escaped the tree kill may keep the pipes open; don't wait on them forever.
                await Task.WhenAny(pumps, Task.Delay(TimeSpan.FromSeconds(2), timeProvider, CancellationToken.None));
                var why = timeoutCts.IsCancellationRequested ? CommandStatus.TimedOut : CommandStatus.Error;
                var killed = new CommandStop { Kind = StopKind.TreeKilled };
                return CommandOutcome.Of(why, null, stdout, stderr, timeProvider.GetElapsedTime(started),
                    why == CommandStatus.TimedOut
                        ? new CommandError { Kind = CommandErrorKind.TimedOut, Seconds = (int)Math.Round(timeout.TotalSeconds), Stop = killed }
                        : new CommandError { Kind = CommandErrorKind.Cancelled, Stop = killed });
            }

            var code = process.ExitCode;
            return CommandOutcome.Of(code == 0 ? CommandStatus.Ok : CommandStatus.Failed, code, stdout, stderr, timeProvider.GetElapsedTime(started));
        }

        /// <summary>
        /// Reads a stream to its end and closes it: Process.Dispose leaves a stream read this way open until the
        /// finalizer runs, and the pipes would pile up between garbage collections.
        /// </summary>
        private static async Task DrainAsync(OutputTail tail, Stream stream)
        {
            try
            {
                await tail.PumpAsync(stream, CancellationToken.None);
            }
            finally
            {
                await stream.DisposeAsync();
            }
        }

        public async Task<IHostSequence> StartSequenceAsync(SequenceOptions options, CancellationToken cancellationToken)
        {
            var sequence = new DriverSequence("local " + basedir, maxOutputBytes, timeProvider, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            if (LocalDriverChannel.Start(sequence, out var error, priority: priority) is not { } channel)
            {
                sequence.OnClosed(error!);
                return sequence;
            }

            await sequence.StartAsync(channel, basedir, options);
            return sequence;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
