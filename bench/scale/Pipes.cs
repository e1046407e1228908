using System.Text;
using System.Threading.Channels;

namespace ChatOpsReconfig.Bench.Scale;

/// <summary>The bot's stdin: lines written by the benchmark.</summary>
internal sealed class LineReader : TextReader
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public void Say(string line) => _lines.Writer.TryWrite(line);

    public void End() => _lines.Writer.TryComplete();

    public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (await _lines.Reader.WaitToReadAsync(cancellationToken))
            if (_lines.Reader.TryRead(out var line)) return line;
        return null;
    }

    public override string? ReadLine() => ReadLineAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
}

/// <summary>
/// The bot's stdout: the lines it writes, numbered, so a caller can wait for a given line after a given point
/// (other messages, such as the repo watcher's, may be posted in between).
/// </summary>
internal sealed class LineCollector : TextWriter
{
    private readonly SemaphoreSlim _added = new(0);
    private readonly Lock _gate = new();
    private readonly Queue<(long Seq, string Line)> _lines = new();
    private readonly StringBuilder _current = new();
    private long _seq;

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Number of complete lines written so far.</summary>
    public long Count
    {
        get { lock (_gate) return _seq; }
    }

    public IReadOnlyList<string> Last(int n)
    {
        lock (_gate) return _lines.Skip(Math.Max(0, _lines.Count - n)).Select(l => l.Line).ToList();
    }

    public override void Write(char value)
    {
        if (value == '\r') return;
        if (value != '\n')
        {
            lock (_gate) _current.Append(value);
            return;
        }

        lock (_gate)
        {
            _lines.Enqueue((++_seq, _current.ToString()));
            _current.Clear();
            while (_lines.Count > 2000) _lines.Dequeue();
        }

        _added.Release();
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        foreach (var c in value) Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }

    /// <summary>Waits for a line numbered above <paramref name="after"/> that matches.</summary>
    public async Task WaitForAsync(Func<string, bool> match, long after, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_gate)
            {
                if (_lines.Any(l => l.Seq > after && match(l.Line))) return;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _added.WaitAsync(left))
                throw new TimeoutException($"no matching line after {timeout.TotalSeconds}s; last lines:\n{string.Join('\n', Last(20))}");
        }
    }
}
