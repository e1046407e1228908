namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>What one tick of <see cref="PgLeadership"/> changed.</summary>
public enum LeadershipChange
{
    None,
    Acquired,
    Lost,
}

/// <summary>
/// This bot's side of the lease: each tick (every third of the lease length) renews the lease it holds or tries to
/// take a free one. A renewal that fails — the lease ran out while this process was paused or cut off — means
/// stepping down at once; <see cref="Epoch"/> is what every acting write carries.
/// </summary>
internal sealed class PgLeadership(PgLeaderLease lease, TimeProvider time, string host, TimeSpan length)
{
    public string Holder { get; } = $"{host}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public TimeSpan Length => length;

    /// <summary>The epoch of the lease held, or null when this bot is standby.</summary>
    public long? Epoch { get; private set; }

    public bool IsLeader => Epoch is not null;

    /// <summary>Who holds the lease now (this bot or another), as stored.</summary>
    public Task<LeaseHolder?> CurrentAsync(CancellationToken cancellationToken) => lease.CurrentAsync(cancellationToken);

    public async Task<LeadershipChange> TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (Epoch is { } epoch)
        {
            if (await lease.RenewAsync(Holder, epoch, now, length, cancellationToken)) return LeadershipChange.None;
            Epoch = null;
            return LeadershipChange.Lost;
        }

        Epoch = await lease.TryAcquireAsync(Holder, host, now, length, cancellationToken);
        return Epoch is null ? LeadershipChange.None : LeadershipChange.Acquired;
    }

    /// <summary>Hands the lease back on a clean shutdown.</summary>
    public async Task StepDownAsync(CancellationToken cancellationToken)
    {
        if (Epoch is not { } epoch) return;
        Epoch = null;
        await lease.ReleaseAsync(Holder, epoch, cancellationToken);
    }
}
