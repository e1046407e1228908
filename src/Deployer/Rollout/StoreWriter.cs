namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>
/// The store writes of a rollout's hosts go through here, one batch at a time. Writes that arrive while another batch
/// is being written are queued, and the caller that found the store free writes the whole queue as one batch (one
/// transaction, <see cref="IRolloutStore.WriteAsync"/>): with many hosts finishing steps at once, the store commits to
/// its log once per batch instead of once per write. <see cref="WriteAsync(IReadOnlyList{RolloutWrite}, CancellationToken)"/> completes
/// once its writes are committed, so "saved before published" still holds. A store that cannot be written for a
/// while (made read-only under the bot) holds the writes back until it can: the host whose result waits does not go
/// on to its next step, and nothing of the rollout is lost; the wait ends early only when the rollout is cancelled.
/// </summary>
internal sealed class StoreWriter(IRolloutStore store, TimeProvider time)
{
    /// <summary>How often a write refused by an unwritable store is tried again.</summary>
    public static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    private readonly Lock _queueGate = new();
    private List<Pending> _queue = [];
    private bool _draining;

    /// <inheritdoc cref="WriteAsync(IReadOnlyList{RolloutWrite}, CancellationToken)"/>
    public Task WriteAsync(RolloutWrite write, CancellationToken stopWaiting = default) => WriteAsync([write], stopWaiting);

    /// <summary>
    /// Queues writes that must be kept together; completes (or fails with the store's exception) once they are
    /// committed. <paramref name="stopWaiting"/> ends a wait for an unwritable store (the writes fail then); it never
    /// cancels a write in progress.
    /// </summary>
    public Task WriteAsync(IReadOnlyList<RolloutWrite> writes, CancellationToken stopWaiting = default)
    {
        var pending = new Pending(writes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_queueGate)
        {
            _queue.Add(pending);
            if (_draining) return pending.Done.Task;
            _draining = true;
        }

        // This caller writes the queue, including writes that arrive meanwhile; the others only wait.
        return DrainThenWaitAsync(pending, stopWaiting);
    }

    private async Task DrainThenWaitAsync(Pending pending, CancellationToken stopWaiting)
    {
        await DrainAsync(stopWaiting);
        await pending.Done.Task;
    }

    /// <summary>Writes, and while the store cannot be written tries again every <see cref="RetryEvery"/>.</summary>
    private async Task WriteWhenWritableAsync(IReadOnlyList<RolloutWrite> writes, CancellationToken stopWaiting)
    {
        while (true)
        {
            try
            {
                // Not cancellable: a write that was asked for is saved before anything about it is published.
                await store.WriteAsync(writes, CancellationToken.None);
                return;
            }
            catch (Store.StoreUnwritableException) when (!stopWaiting.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(RetryEvery, time, stopWaiting);
                }
                catch (OperationCanceledException)
                {
                    // Cancelled while waiting: the next try fails the writes (or, writable again by then, saves them).
                }
            }
        }
    }

    private async Task DrainAsync(CancellationToken stopWaiting)
    {
        while (true)
        {
            List<Pending> batch;
            lock (_queueGate)
            {
                if (_queue.Count == 0)
                {
                    _draining = false;
                    return;
                }

                batch = _queue;
                _queue = [];
            }

            try
            {
                await WriteWhenWritableAsync(batch.Count == 1 ? batch[0].Writes : batch.SelectMany(p => p.Writes).ToList(), stopWaiting);
                foreach (var p in batch) p.Done.TrySetResult();
            }
            catch (Exception) when (batch.Count > 1)
            {
                // The transaction was rolled back; write one by one so a bad write fails only its own caller.
                foreach (var p in batch) await WriteAloneAsync(p, stopWaiting);
            }
            catch (Exception ex)
            {
                batch[0].Done.TrySetException(ex);
            }
        }
    }

    private async Task WriteAloneAsync(Pending p, CancellationToken stopWaiting)
    {
        try
        {
            await WriteWhenWritableAsync(p.Writes, stopWaiting);
            p.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            p.Done.TrySetException(ex);
        }
    }

    private sealed record Pending(IReadOnlyList<RolloutWrite> Writes, TaskCompletionSource Done);
}
