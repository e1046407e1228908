namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>
/// The store writes of a rollout's hosts go through here, one batch at a time. Writes that arrive while another batch
/// is being written are queued, and the caller that found the store free writes the whole queue as one batch (one
/// transaction, <see cref="IRolloutStore.WriteAsync"/>): with many hosts finishing steps at once, the store commits to
/// its log once per batch instead of once per write. <see cref="WriteAsync(IReadOnlyList{RolloutWrite})"/> completes
/// once its writes are committed, so "saved before published" still holds.
/// </summary>
internal sealed class StoreWriter(IRolloutStore store)
{
    private readonly Lock _queueGate = new();
    private List<Pending> _queue = [];
    private bool _draining;

    /// <inheritdoc cref="WriteAsync(IReadOnlyList{RolloutWrite})"/>
    public Task WriteAsync(RolloutWrite write) => WriteAsync([write]);

    /// <summary>Queues writes that must be kept together; completes (or fails with the store's exception) once they are committed.</summary>
    public Task WriteAsync(IReadOnlyList<RolloutWrite> writes)
    {
        var pending = new Pending(writes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_queueGate)
        {
            _queue.Add(pending);
            if (_draining) return pending.Done.Task;
            _draining = true;
        }

        // This caller writes the queue, including writes that arrive meanwhile; the others only wait.
        return DrainThenWaitAsync(pending);
    }

    private async Task DrainThenWaitAsync(Pending pending)
    {
        await DrainAsync();
        await pending.Done.Task;
    }

    private async Task DrainAsync()
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
                // Not cancellable: a write that was asked for is saved before anything about it is published.
                await store.WriteAsync(batch.Count == 1 ? batch[0].Writes : batch.SelectMany(p => p.Writes).ToList(), CancellationToken.None);
                foreach (var p in batch) p.Done.TrySetResult();
            }
            catch (Exception) when (batch.Count > 1)
            {
                // The transaction was rolled back; write one by one so a bad write fails only its own caller.
                foreach (var p in batch) await WriteAloneAsync(p);
            }
            catch (Exception ex)
            {
                batch[0].Done.TrySetException(ex);
            }
        }
    }

    private async Task WriteAloneAsync(Pending p)
    {
        try
        {
            await store.WriteAsync(p.Writes, CancellationToken.None);
            p.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            p.Done.TrySetException(ex);
        }
    }

    private sealed record Pending(IReadOnlyList<RolloutWrite> Writes, TaskCompletionSource Done);
}
