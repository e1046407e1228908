using System.Threading.Channels;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>
/// Whether the store can be written now. The LiteDB store finds out at a write (its file or directory made read-only
/// while the bot runs): it refuses that write and every later one with <see cref="StoreUnwritableException"/>, and
/// reports the outage here once; a write or a <see cref="Probe"/> that finds the file writable again ends it. The bot
/// reads <see cref="Changes"/> to say so in chat. (PostgreSQL reports nothing here: its failures are per write.)
/// </summary>
public sealed class StoreHealth(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Channel<StoreHealthChange> _changes = Channel.CreateUnbounded<StoreHealthChange>(new UnboundedChannelOptions { SingleReader = true });
    private Func<bool>? _probe;

    /// <summary>The outage going on now, or null while the store can be written.</summary>
    public StoreOutage? Outage { get; private set; }

    /// <summary>Each start and end of an outage, in order.</summary>
    public ChannelReader<StoreHealthChange> Changes => _changes.Reader;

    /// <summary>Tries the store now (without writing anything of the bot's); true when it can be written.</summary>
    public bool Probe() => _probe?.Invoke() ?? Outage is null;

    internal void SetProbe(Func<bool> probe) => _probe = probe;

    internal void ReportUnwritable(string storePath, StoreWriteProblem problem)
    {
        lock (_gate)
        {
            if (Outage is not null) return;
            Outage = new StoreOutage(storePath, problem.File, problem.Reason, time.GetUtcNow());
            _changes.Writer.TryWrite(new StoreBecameUnwritable(Outage));
        }
    }

    internal void ReportWritable()
    {
        lock (_gate)
        {
            if (Outage is not { } ended) return;
            Outage = null;
            _changes.Writer.TryWrite(new StoreWritableAgain(ended, time.GetUtcNow()));
        }
    }
}

/// <summary>
/// The store cannot be written since <paramref name="Since"/>: <paramref name="File"/> (a file name: the store, LiteDB's
/// log, or the probe file in its directory) refused, and <paramref name="Reason"/> is what the system said
/// (<c>operation not permitted</c>). The Bot words it.
/// </summary>
public sealed record StoreOutage(string StorePath, string File, string Reason, DateTimeOffset Since);

/// <summary>Which file refused a write (its name, without the directory) and the system's reason, without the path.</summary>
public sealed record StoreWriteProblem(string File, string Reason);

/// <summary>A start or an end of a store outage.</summary>
public abstract record StoreHealthChange(StoreOutage Outage);

/// <summary>The store stopped accepting writes.</summary>
public sealed record StoreBecameUnwritable(StoreOutage Outage) : StoreHealthChange(Outage);

/// <summary>The store accepts writes again at <paramref name="At"/>.</summary>
public sealed record StoreWritableAgain(StoreOutage Outage, DateTimeOffset At) : StoreHealthChange(Outage);

/// <summary>
/// A write refused because the store cannot be written now; nothing of it was kept. The message is for logs; chat
/// words <see cref="StorePath"/>, <see cref="File"/> and <see cref="Reason"/> itself.
/// </summary>
public sealed class StoreUnwritableException(string path, StoreWriteProblem problem, Exception? inner = null)
    : StoreUnusableException($"the store {path} cannot be written ({problem.File}: {problem.Reason})", inner)
{
    public string StorePath { get; } = path;

    /// <summary>The file that refused, by name.</summary>
    public string File { get; } = problem.File;

    /// <summary>What the system said.</summary>
    public string Reason { get; } = problem.Reason;

    /// <summary>For logs: <c>chatops.db: operation not permitted</c>.</summary>
    public string Problem => $"{File}: {Reason}";
}
