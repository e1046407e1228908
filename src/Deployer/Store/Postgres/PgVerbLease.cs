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
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;

    private PgVerbLease(PgLeadership leadership, TimeProvider time)
    {
        _leadership = leadership;
        _renewing = RenewAsync(time);
    }

    /// <summary>Takes the lease and fences <paramref name="documents"/> with it; throws <see cref="StoreBusyException"/> when a bot leads.</summary>
    public static PgVerbLease Take(NpgsqlDataSource source, PgDocuments documents, TimeProvider time)
    {
        var lease = new PgLeaderLease(source);
        var leadership = new PgLeadership(lease, time, $"chatops-cli@{Environment.MachineName}", Length);
        if (leadership.TickAsync(CancellationToken.None).GetAwaiter().GetResult() != LeadershipChange.Acquired)
        {
            var holder = lease.CurrentAsync(CancellationToken.None).GetAwaiter().GetResult();
            throw new StoreBusyException($"PostgreSQL store: {holder?.Host ?? "another bot"} leads it", new InvalidOperationException("lease held"));
        }

        documents.Fence = () => (leadership.Holder, leadership.Epoch ?? 0);
        return new PgVerbLease(leadership, time);
    }

    private async Task RenewAsync(TimeProvider time)
    {
        try
        {
            while (true)
            {
                await Task.Delay(Length / 3, time, _stop.Token);
                if (await _leadership.TickAsync(_stop.Token) == LeadershipChange.Lost) return; // writes are refused from now on
            }
        }
        catch (OperationCanceledException)
        {
            // Done.
        }
        catch (NpgsqlException)
        {
            // The database is gone: the writes fail on their own.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewing;
        try
        {
            await _leadership.StepDownAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // It runs out on its own.
        }

        _stop.Dispose();
    }
}
