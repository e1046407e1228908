using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Store.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Hosting;

/// <summary>Who leads: this bot alone (embedded store), or one of the bots sharing a PostgreSQL store, and since when.</summary>
internal sealed class LeaderState(string instance, bool shared, DateTimeOffset processStart, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private volatile Leader? _leader;
    private volatile bool _holdsLease;

    /// <summary>Until when (this process's monotonic clock) the lease it last renewed is surely still its own.</summary>
    private long _validUntil;

    public string Instance { get; } = instance;

    /// <summary>True when bots share the store (PostgreSQL): only the lease holder acts.</summary>
    public bool Shared { get; } = shared;

    public DateTimeOffset ProcessStart { get; } = processStart;

    /// <summary>Alone, this bot always leads; shared, only while it holds the lease.</summary>
    public bool IsLeader => !Shared || _holdsLease;

    /// <summary>The leader as last seen (this bot or another), or null before the first look.</summary>
    public Leader? Current => Shared ? _leader : new Leader(Instance, ProcessStart);

    /// <summary><c>single</c>, <c>leader</c> or <c>standby</c>.</summary>
    public string Role => !Shared ? "single" : IsLeader ? "leader" : "standby";

    /// <summary>
    /// Whether this bot may act now (post to chat, which no store write fences): alone always; shared only while the
    /// lease it renewed has not run out by its own clock. A bot paused (SIGSTOP) past its lease finds it ran out before
    /// its lease loop runs again, so a message still pending when it wakes is left to the new leader.
    /// </summary>
    public bool MayAct => !Shared || (_holdsLease && _time.GetTimestamp() < Interlocked.Read(ref _validUntil));

    /// <summary>What the lease loop saw: the lease's holder, and whether this bot holds it (its epoch, not its name).</summary>
    public void Saw(Leader? leader, bool holdsLease)
    {
        _leader = leader;
        _holdsLease = holdsLease;
    }

    /// <summary>
    /// The lease was renewed by a request sent at <paramref name="sentAt"/> (a timestamp of the same clock): it is this
    /// bot's for <paramref name="length"/> from then, less a fifth for clocks that do not run alike.
    /// </summary>
    public void Renewed(long sentAt, TimeSpan length) =>
        Interlocked.Exchange(ref _validUntil, sentAt + (long)(length.TotalSeconds * 0.8 * _time.TimestampFrequency));
}

/// <summary>A leader and since when it leads.</summary>
internal sealed record Leader(string Instance, DateTimeOffset Since);

/// <summary>A hosted service that only the leader runs (everything that acts or speaks).</summary>
internal sealed record LeaderOnly(Func<IServiceProvider, IHostedService> Create);

internal static class LeadershipSetup
{
    /// <summary>Whether the store registered is shared (PostgreSQL): then leader-only services wait for the lease.</summary>
    public static bool HasSharedStore(this IServiceCollection services) =>
        services.Any(d => d.ServiceType == typeof(StoreOptions) && d.ImplementationInstance is StoreOptions { IsPostgres: true });

    /// <summary>
    /// Registers <paramref name="create"/> as a hosted service that only the leader runs. Alone (embedded store) it is a
    /// plain hosted service; with a shared store, <see cref="LeaderServices"/> starts it once this bot holds the lease.
    /// </summary>
    public static IServiceCollection AddLeaderOnly(this IServiceCollection services, Func<IServiceProvider, IHostedService> create)
    {
        if (services.HasSharedStore()) services.AddSingleton(new LeaderOnly(create));
        // Not AddHostedService(create): with a factory typed IHostedService it adds by TryAddEnumerable, which refuses
        // a second such factory as "indistinguishable", so the bot could not be built alone (embedded store).
        else services.AddSingleton<IHostedService>(create);
        return services;
    }

    public static IServiceCollection AddLeaderOnly<T>(this IServiceCollection services)
        where T : class, IHostedService
    {
        services.AddSingleton<T>();
        return services.AddLeaderOnly(sp => sp.GetRequiredService<T>());
    }

    /// <summary>The lease loop and the leader state; call after the store is registered.</summary>
    public static IServiceCollection AddLeadership(this IServiceCollection services, Deployer.Fleet.FleetConfig fleet)
    {
        var ha = HaOptions.From(fleet);
        var shared = services.HasSharedStore();
        services.AddSingleton(sp => new LeaderState(ha.InstanceName, shared, sp.GetRequiredService<TimeProvider>().GetUtcNow(), sp.GetRequiredService<TimeProvider>()));
        if (!shared) return services;
        services.AddSingleton(new LeaseHeldByLoop());
        var length = TimeSpan.FromSeconds(ha.LeaseSeconds);
        services.AddSingleton(sp => new PgLeadership(
            new PgLeaderLease(sp.GetRequiredService<PgStore>().LeaseSource, PgLeaderLease.StatementTimeout(length)), sp.GetRequiredService<TimeProvider>(), ha.InstanceName, length));
        services.AddHostedService<LeaderServices>();
        return services;
    }
}

/// <summary>
/// With a shared store: holds or waits for the leader lease, renewing it every third of its length on a thread of its
/// own (<see cref="LeaseThread"/>: a starved thread pool must not cost a live leader its lease). On taking it, it
/// starts the leader-only services in the order they were registered (start-up recovery marks a rollout the old
/// leader left running as interrupted, and says so). A bot that finds it lost the lease — paused or cut off past its
/// length — stops at once with exit code 3: its writes are already refused (every write carries the lease), and a
/// supervisor restarts it as a standby.
/// </summary>
internal sealed partial class LeaderServices(
    IServiceProvider services,
    IEnumerable<LeaderOnly> leaderOnly,
    PgLeadership leadership,
    PgDocuments documents,
    LeaderState state,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<LeaderServices> logger) : BackgroundService
{
    public const int ExitLostLease = 3;

    private readonly List<IHostedService> _started = [];
    private Task _starting = Task.CompletedTask;
    private bool _standbyLogged;

    /// <summary>When this bot last renewed (or took) the lease; null before it first led.</summary>
    private DateTimeOffset? _renewed;

    private async Task StartLeaderServicesAsync(CancellationToken cancellationToken)
    {
        foreach (var service in leaderOnly.Select(l => l.Create(services)))
        {
            await service.StartAsync(cancellationToken);
            lock (_started) _started.Add(service);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A standby's writes are refused too: epoch 0 is never held.
        documents.Fence = () => (leadership.Holder, leadership.Epoch ?? 0);
        var thread = LeaseThread.Start("chatops-lease", _ => Tick(stoppingToken));
        stoppingToken.Register(thread.Stop);
        return thread.Completion;
    }

    /// <summary>
    /// One turn of the lease (on the lease's own thread); returns the pause before the next, or null once the lease is
    /// lost and the bot stops. A turn that could not reach the store is tried again after a tenth of the lease, not a
    /// third: one renewal held up past its time limit (a write holding the lease row, a stalled server) must not cost
    /// the lease while there is time left to renew it.
    /// </summary>
    private TimeSpan? Tick(CancellationToken stoppingToken)
    {
        LeadershipChange change;
        var pause = leadership.Length / 3;
        try
        {
            var sentAt = time.GetTimestamp();
            change = leadership.Tick();
            if (leadership.IsLeader)
            {
                var now = time.GetUtcNow();
                if (_renewed is { } last && now - last > leadership.Length / 2)
                    Log.RenewedLate(logger, state.Instance, (now - last).TotalSeconds, (leadership.Length / 3).TotalSeconds, leadership.Length.TotalSeconds);
                _renewed = now;
                state.Renewed(sentAt, leadership.Length);
            }

            var holder = leadership.Current();
            state.Saw(holder is null || holder.ExpiresAt < time.GetUtcNow() ? null : new Leader(holder.Host, holder.AcquiredAt), leadership.IsLeader);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            Log.StoreUnreachable(logger, ex.Message);
            pause = leadership.Length / 10;
            // A leader that cannot renew has lost the lease once it would have run out.
            change = leadership.IsLeader && time.GetUtcNow() - _renewed > leadership.Length ? LeadershipChange.Lost : LeadershipChange.None;
        }

        if (change == LeadershipChange.Acquired)
        {
            Log.Leading(logger, state.Instance, leadership.Epoch ?? 0);
            // Started beside the lease thread: start-up work (recovery, the demo fleet) must not hold up the renewals.
            _starting = Task.Run(() => StartLeaderServicesAsync(stoppingToken), CancellationToken.None);
        }
        else if (change == LeadershipChange.Lost)
        {
            Log.LostLease(logger, state.Instance, leadership.Length.TotalSeconds);
            Environment.ExitCode = ExitLostLease;
            lifetime.StopApplication();
            return null;
        }
        else if (!leadership.IsLeader && !_standbyLogged)
        {
            Log.Standby(logger, state.Instance, state.Current?.Instance ?? "nobody");
            _standbyLogged = true;
        }

        return pause;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await _starting.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or LeaseLostException)
        {
            // Stopping while it started: stop what did start.
        }

        List<IHostedService> started;
        lock (_started) started = [.. _started];
        for (var i = started.Count - 1; i >= 0; i--) await started[i].StopAsync(cancellationToken);
        if (Environment.ExitCode != ExitLostLease) leadership.StepDown();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Instance} leads (lease epoch {Epoch}): starting the watcher, the policy, rollouts and chat")]
        public static partial void Leading(ILogger logger, string instance, long epoch);

        [LoggerMessage(2, LogLevel.Warning, "{Instance} stands by: {Leader} leads; serving the read-only web endpoints until the lease is free")]
        public static partial void Standby(ILogger logger, string instance, string leader);

        [LoggerMessage(3, LogLevel.Critical, "{Instance} lost the leader lease (no renewal within {Seconds} s: paused or cut off); its writes are refused; stopping (exit 3) so that a supervisor restarts it as a standby")]
        public static partial void LostLease(ILogger logger, string instance, double seconds);

        [LoggerMessage(4, LogLevel.Error, "The PostgreSQL store cannot be reached for the lease: {Error}")]
        public static partial void StoreUnreachable(ILogger logger, string error);

        [LoggerMessage(5, LogLevel.Warning, "{Instance} renewed the leader lease {Seconds:0.0} s after the last renewal (due every {Due:0.0} s; it runs out after {Length:0} s): this machine or the store is too slow for ha.leaseSeconds")]
        public static partial void RenewedLate(ILogger logger, string instance, double seconds, double due, double length);
    }
}
