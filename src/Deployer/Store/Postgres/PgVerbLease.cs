using Npgsql;

namespace ChatOpsReconfig.Deployer.Store.Postgres;

/// <summary>Registered by the bot, whose lease loop leads; a verb that writes takes a <see cref="PgVerbLease"/> instead.</summary>
internal sealed record LeaseHeldByLoop;

/// <summary>
/// A CLI verb that writes (<c>deploy</c>, <c>rollback</c>, <c>status</c>) on a PostgreSQL store takes the leader lease
/// for as long as it runs, as the LiteDB store's file lock does: while a bot leads, the verb is refused in one line;
/// while the verb runs, no bot takes over. Renewed every third of its length; handed back when disposed.
/// </summary>
internal sealed class PgVerbLease : IAsyncDisposable
{
    private static readonly TimeSpan Length = TimeSpan.FromSeconds(30);

    private readonly PgLeadership _leadership;
    private readonly LeaseThread _renewing;

    private PgVerbLease(PgLeadership leadership)
    {
        _leadership = leadership;
        _renewing = LeaseThread.Start("chatops-verb-lease", _ => Renew() ? Length / 3 : null);
    }

    /// <summary>Takes the lease and fences <paramref name="documents"/> with it; throws <see cref="StoreBusyException"/> when a bot leads.</summary>
    public static PgVerbLease Take(NpgsqlDataSource source, PgDocuments documents, TimeProvider time)
    {
        var lease = new PgLeaderLease(source, PgLeaderLease.StatementTimeout(Length));
        var leadership = new PgLeadership(lease, time, $"chatops-cli@{Environment.MachineName}", Length);
        if (leadership.Tick() != LeadershipChange.Acquired)
        {
            var holder = lease.Current();
            throw new StoreBusyException($"PostgreSQL store: {holder?.Host ?? "another bot"} leads it", new InvalidOperationException("lease held"));
        }

        documents.Fence = () => (leadership.Holder, leadership.Epoch ?? 0);
        return new PgVerbLease(leadership);
    }

    /// <summary>One renewal; false once the lease is lost (the verb's writes are refused from then on).</summary>
    private bool Renew()
    {
        try
        {
            return _leadership.Tick() != LeadershipChange.Lost;
        }
        catch (NpgsqlException)
        {
            return false; // The database is gone: the writes fail on their own.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _renewing.Stop();
        await _renewing.Completion;
        try
        {
            _leadership.StepDown();
        }
        catch (NpgsqlException)
        {
            // It runs out on its own.
        }
    }
}
