namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>What one tick of <see cref="PgLeadership"/> changed.</summary>
public enum LeadershipChange
{
    None,
    Acquired,
    Lost,
}

/// <summary>
/// This bot's side of the lease: each tick (every third of the lease length, on a <see cref="LeaseThread"/>) renews the lease it holds or tries to
/// take a free one. A renewal that fails — the lease ran out while this process was paused or cut off — means
/// stepping down at once; <see cref="Epoch"/> is what every acting write carries.
/// </summary>
internal sealed class PgLeadership(PgLeaderLease lease, TimeProvider time, string host, TimeSpan length)
{
    public string Holder { get; } = $"{host}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public TimeSpan Length => length;

    /// <summary>0 when none is held (epochs start at 1); one word, so store writes on other threads never read it torn.</summary>
    private long _epoch;

    /// <summary>The epoch of the lease held, or null when this bot is standby.</summary>
    public long? Epoch
    {
        get => Interlocked.Read(ref _epoch) is var epoch and > 0 ? epoch : null;
        private set => Interlocked.Exchange(ref _epoch, value ?? 0);
    }

    public bool IsLeader => Epoch is not null;

    /// <summary>Who holds the lease now (this bot or another), as stored.</summary>
    public LeaseHolder? Current() => lease.Current();

    public LeadershipChange Tick()
    {
        var now = time.GetUtcNow();
        if (Epoch is { } epoch)
        {
            if (lease.Renew(Holder, epoch, now, length)) return LeadershipChange.None;
            Epoch = null;
            return LeadershipChange.Lost;
        }

        Epoch = lease.TryAcquire(Holder, host, now, length);
        return Epoch is null ? LeadershipChange.None : LeadershipChange.Acquired;
    }

    /// <summary>Hands the lease back on a clean shutdown.</summary>
    public void StepDown()
    {
        if (Epoch is not { } epoch) return;
        Epoch = null;
        lease.Release(Holder, epoch);
    }
}
