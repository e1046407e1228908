namespace ChatOpsReconfig.Deployer.Rollout;

/// <summary>
/// Every store write of a rollout goes through here, one at a time. Writes that arrive while another is being
/// written are queued, and the next caller to find the store free writes the whole queue as one batch (one
/// transaction): with many hosts finishing steps at once, the store commits to its log once per batch instead of once
/// per write, and no host blocks a thread waiting for the store. <see cref="WriteAsync"/> completes once its write is committed, so "saved before published" still holds.
/// </summary>
internal sealed class StoreWriter(IRolloutStore store)
{
    private readonly Lock _queueGate = new();
    private readonly Lock _storeGate = new();
    private List<Pending> _queue = [];
    private bool _draining;

    /// <summary>Writes now, on this thread, after whatever batch is being written.</summary>
    public void Write(Action<IRolloutStore> write)
    {
        lock (_storeGate) store.Batch(() => write(store));
    }

    /// <summary>Queues a write; completes (or fails with the write's exception) once it is committed.</summary>
    public Task WriteAsync(Action<IRolloutStore> write)
    {
        var pending = new Pending(write, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        lock (_queueGate)
        {
            _queue.Add(pending);
            if (_draining) return pending.Done.Task;
            _draining = true;
        }

        // This caller writes the queue, including writes that arrive meanwhile; the others only wait.
        Drain();
        return pending.Done.Task;
    }

    private void Drain()
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

            lock (_storeGate)
            {
                try
                {
                    store.Batch(() =>
                    {
                        foreach (var p in batch) p.Write(store);
                    });
                    foreach (var p in batch) p.Done.TrySetResult();
                }
                catch (Exception) when (batch.Count > 1)
                {
                    // The transaction was rolled back; write one by one so a bad write fails only its own caller.
                    foreach (var p in batch) WriteAlone(p);
                }
                catch (Exception ex)
                {
                    batch[0].Done.TrySetException(ex);
                }
            }
        }
    }

    private void WriteAlone(Pending p)
    {
        try
        {
            store.Batch(() => p.Write(store));
            p.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            p.Done.TrySetException(ex);
        }
    }

    private sealed record Pending(Action<IRolloutStore> Write, TaskCompletionSource Done);
}
