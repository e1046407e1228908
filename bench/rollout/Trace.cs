using System.Collections.Concurrent;
using System.Diagnostics;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Bench.Rollout;

/// <summary>
/// With CHATOPS_BENCH_TRACE=1 the child wraps the real transports and prints, per host, when each connect and command
/// started and how long it took (ms since the rollout began), to see where a rollout's time goes.
/// </summary>
internal sealed class TracingTransportFactory(IHostTransportFactory inner) : IHostTransportFactory
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static readonly ConcurrentQueue<string> Lines = new();

    public IHostTransport For(HostConfig host) => new Transport(inner.For(host));

    /// <summary>Adds a line for an event of the rollout as a whole (its start and end), on the same clock.</summary>
    public static void Mark(string what) => Lines.Enqueue($"{Clock.Elapsed.TotalMilliseconds,8:0.0} -- {what}");

    private static string Now => $"{Clock.Elapsed.TotalMilliseconds,8:0.0}";

    private sealed class Transport(IHostTransport inner) : IHostTransport
    {
        public async Task<ConnectResult> ConnectAsync(HostConfig host, CancellationToken cancellationToken)
        {
            var start = Clock.Elapsed;
            var r = await inner.ConnectAsync(host, cancellationToken);
            Lines.Enqueue($"{start.TotalMilliseconds,8:0.0} {host.Name} connect {(Clock.Elapsed - start).TotalMilliseconds,7:0.0} ms thr={ThreadPool.ThreadCount} pend={ThreadPool.PendingWorkItemCount}");
            return r.Session is null ? r : ConnectResult.Ok(new Session(r.Session, host.Name));
        }
    }

    private sealed class Session(IHostSession inner, string host) : IHostSession
    {
        public async Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var start = Clock.Elapsed;
            var r = await inner.RunAsync(command, timeout, cancellationToken);
            Lines.Enqueue($"{start.TotalMilliseconds,8:0.0} {host} run {(Clock.Elapsed - start).TotalMilliseconds,7:0.0} ms {command}");
            return r;
        }

        public async ValueTask DisposeAsync()
        {
            var start = Clock.Elapsed;
            await inner.DisposeAsync();
            Lines.Enqueue($"{start.TotalMilliseconds,8:0.0} {host} dispose {(Clock.Elapsed - start).TotalMilliseconds,7:0.0} ms");
        }
    }
}

/// <summary>With CHATOPS_BENCH_TRACE=1: how many store calls a rollout makes and how long they take in total.</summary>
internal sealed class TracingStore(ChatOpsReconfig.Deployer.Rollout.IRolloutStore inner) : ChatOpsReconfig.Deployer.Rollout.IRolloutStore
{
    private long _ticks;
    private int _calls;
    private long _max;
    private int _batches;

    public string Summary => $"store: {_batches} batches, {_calls} calls, {Stopwatch.GetElapsedTime(0, _ticks).TotalMilliseconds:0} ms total, max {Stopwatch.GetElapsedTime(0, _max).TotalMilliseconds:0.0} ms";

    public int Batches => _batches;

    private async Task<T> Time<T>(Func<Task<T>> f)
    {
        var t = Stopwatch.GetTimestamp();
        try { return await f(); }
        finally
        {
            var d = Stopwatch.GetTimestamp() - t;
            Interlocked.Add(ref _ticks, d);
            Interlocked.Increment(ref _calls);
            long m;
            while (d > (m = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, d, m) != m) { }
        }
    }

    private Task Time(Func<Task> f) => Time(async () => { await f(); return 0; });

    public Task<int> InsertAsync(ChatOpsReconfig.Deployer.Rollout.RolloutRecord rollout, IReadOnlyList<ChatOpsReconfig.Deployer.Rollout.HostResult> hosts, CancellationToken ct) => Time(() => inner.InsertAsync(rollout, hosts, ct));
    public Task WriteAsync(IReadOnlyList<ChatOpsReconfig.Deployer.Rollout.RolloutWrite> writes, CancellationToken ct) => Time(() => { Interlocked.Increment(ref _batches); return inner.WriteAsync(writes, ct); });
    public Task<ChatOpsReconfig.Deployer.Rollout.RolloutRecord?> GetAsync(int id, CancellationToken ct) => Time(() => inner.GetAsync(id, ct));
    public Task<IReadOnlyList<ChatOpsReconfig.Deployer.Rollout.HostResult>> GetHostsAsync(int rolloutId, CancellationToken ct) => Time(() => inner.GetHostsAsync(rolloutId, ct));
    public Task<ChatOpsReconfig.Deployer.Rollout.HostResult?> GetHostAsync(int rolloutId, string host, CancellationToken ct) => Time(() => inner.GetHostAsync(rolloutId, host, ct));
    public Task<IReadOnlyList<ChatOpsReconfig.Deployer.Rollout.RolloutRecord>> LatestAsync(int count, CancellationToken ct) => Time(() => inner.LatestAsync(count, ct));
    public Task<IReadOnlyList<ChatOpsReconfig.Deployer.Rollout.RolloutRecord>> WithStateAsync(ChatOpsReconfig.Deployer.Rollout.RolloutState state, CancellationToken ct) => Time(() => inner.WithStateAsync(state, ct));
    public Task<bool> AnyWithStateAsync(ChatOpsReconfig.Deployer.Rollout.RolloutState state, CancellationToken ct) => Time(() => inner.AnyWithStateAsync(state, ct));
    public Task<IReadOnlyList<ChatOpsReconfig.Deployer.Rollout.HostState>> GetHostStatesAsync(CancellationToken ct) => Time(() => inner.GetHostStatesAsync(ct));
    public Task<ChatOpsReconfig.Deployer.Rollout.HostState?> GetHostStateAsync(string host, CancellationToken ct) => Time(() => inner.GetHostStateAsync(host, ct));
}
