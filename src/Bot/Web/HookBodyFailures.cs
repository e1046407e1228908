using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>
/// Hook requests whose body could not be read: sent too slowly (Kestrel's minimum data rate) or cut off. Each is
/// counted, and one warning per minute gives the count, never a stack trace per connection: 150 slow connections
/// are one line, not 150 traces.
/// </summary>
internal sealed class HookBodyFailures(TimeProvider time, ILogger<HookBodyFailures> logger) : IDisposable
{
    /// <summary>Failures are summed over this long after the first one, then logged in one line.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, int> _reasons = new(StringComparer.Ordinal);
    private string _lastFrom = "";
    private ITimer? _timer;

    /// <summary>Failures counted and not yet logged.</summary>
    public int Pending
    {
        get { lock (_gate) return _reasons.Values.Sum(); }
    }

    /// <summary>Counts one failure; the first of a period starts the minute after which the summary is logged.</summary>
    public void Record(string reason, string endpoint, string remote)
    {
        lock (_gate)
        {
            _reasons[reason] = _reasons.GetValueOrDefault(reason) + 1;
            _lastFrom = $"{endpoint} from {remote}";
            _timer ??= time.CreateTimer(_ => Flush(), null, Period, Timeout.InfiniteTimeSpan);
        }
    }

    private void Flush()
    {
        string reasons;
        int count;
        string lastFrom;
        lock (_gate)
        {
            count = _reasons.Values.Sum();
            reasons = string.Join(", ", _reasons.Select(r => $"{r.Value} {r.Key}"));
            lastFrom = _lastFrom;
            _reasons.Clear();
            _timer?.Dispose();
            _timer = null;
        }

        if (count > 0) WebLog.BodiesNotRead(logger, count, (int)Period.TotalMinutes, reasons, lastFrom);
    }

    public void Dispose()
    {
        lock (_gate) _timer?.Dispose();
    }
}
