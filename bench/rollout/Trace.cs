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

    public string Summary => $"store: {_batches} batches, {_calls} calls (time: outermost only), {Stopwatch.GetElapsedTime(0, _ticks).TotalMilliseconds:0} ms total, max {Stopwatch.GetElapsedTime(0, _max).TotalMilliseconds:0.0} ms";

    [ThreadStatic]
    private static int _depth;

    private T Time<T>(Func<T> f)
    {
        var t = Stopwatch.GetTimestamp();
        _depth++;
        try { return f(); }
        finally
        {
            _depth--;
            var d = _depth > 0 ? 0 : Stopwatch.GetTimestamp() - t;
            Interlocked.Add(ref _ticks, d);
            Interlocked.Increment(ref _calls);
            long m;
            while (d > (m = Interlocked.Read(ref _max)) && Interlocked.CompareExchange(ref _max, d, m) != m) { }
        }
    }

    public int Insert(ChatOpsReconfig.Deployer.Rollout.RolloutRecord rollout) => Time(() => inner.Insert(rollout));
    public void Update(ChatOpsReconfig.Deployer.Rollout.RolloutRecord rollout) => Time(() => { inner.Update(rollout); return 0; });
    public void SaveHost(ChatOpsReconfig.Deployer.Rollout.HostResult result) => Time(() => { inner.SaveHost(result); return 0; });
    public void SaveHostState(ChatOpsReconfig.Deployer.Rollout.HostState state) => Time(() => { inner.SaveHostState(state); return 0; });
    public ChatOpsReconfig.Deployer.Rollout.RolloutRecord? Get(int id) => Time(() => inner.Get(id));
    public IReadOnlyList<ChatOpsReconfig.Deployer.Rollout.HostResult> GetHosts(int rolloutId) => Time(() => inner.GetHosts(rolloutId));
    public IReadOnlyList<ChatOpsReconfig.Deployer.Rollout.RolloutRecord> Latest(int count) => Time(() => inner.Latest(count));
    public IReadOnlyList<ChatOpsReconfig.Deployer.Rollout.RolloutRecord> WithState(ChatOpsReconfig.Deployer.Rollout.RolloutState state) => Time(() => inner.WithState(state));
    public bool AnyWithState(ChatOpsReconfig.Deployer.Rollout.RolloutState state) => Time(() => inner.AnyWithState(state));
    public IReadOnlyList<ChatOpsReconfig.Deployer.Rollout.HostState> GetHostStates() => Time(() => inner.GetHostStates());
    public ChatOpsReconfig.Deployer.Rollout.HostState? GetHostState(string host) => Time(() => inner.GetHostState(host));
    public void Batch(Action work) => Time(() => { Interlocked.Increment(ref _batches); inner.Batch(work); return 0; });

    private int _batches;

    public int Batches => _batches;
}
