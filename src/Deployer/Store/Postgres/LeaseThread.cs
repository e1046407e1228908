namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>
/// Runs a lease's ticks on a thread of its own: one now, then each after the pause the previous one asked for, until a
/// tick says stop (null) or <see cref="Stop"/> is called. Not a timer or an async loop on purpose: timer callbacks and async I/O completions
/// run on the thread pool, and a bot busy starting (SSH connects, synchronous store calls) can starve the pool for
/// longer than a lease lasts, so a live leader would lose its lease to the standby. The wait is the kernel's, so this
/// runs on the real clock even where the rest of the bot is given another <see cref="TimeProvider"/>.
/// </summary>
internal sealed class LeaseThread
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LeaseThread()
    {
    }

    /// <summary>Completes when the thread has ended (a tick returned false, threw, or it was stopped); faults with what a tick threw.</summary>
    public Task Completion => _done.Task;

    /// <summary>Starts the thread; <paramref name="tick"/> returns the pause before the next tick, or null to end it.</summary>
    public static LeaseThread Start(string name, Func<CancellationToken, TimeSpan?> tick)
    {
        var lease = new LeaseThread();
        new Thread(() => lease.Run(tick)) { IsBackground = true, Name = name }.Start();
        return lease;
    }

    /// <summary>Ends the thread after the tick in progress, if any. (The token source is never disposed: the thread may still be waiting on it.)</summary>
    public void Stop() => _stop.Cancel();

    private void Run(Func<CancellationToken, TimeSpan?> tick)
    {
        try
        {
            var token = _stop.Token;
            while (!token.IsCancellationRequested && tick(token) is { } pause && !token.WaitHandle.WaitOne(pause))
            {
            }

            _done.TrySetResult();
        }
        catch (Exception ex)
        {
            _done.TrySetException(ex);
        }
    }
}
