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

/// <summary>The bot's stdout: counts posted messages (the console transport flushes once per message).</summary>
internal sealed class PostCounter : TextWriter
{
    private readonly SemaphoreSlim _posted = new(0);
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly StringBuilder _current = new();

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToList(); }
    }

    /// <summary>Keep only the last lines (a 5,000-host benchmark posts a lot).</summary>
    public int Keep { get; set; } = 200;

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n')
            {
                _lines.Add(_current.ToString());
                _current.Clear();
                if (_lines.Count > Keep * 2) _lines.RemoveRange(0, _lines.Count - Keep);
            }
            else if (value != '\r')
            {
                _current.Append(value);
            }
        }
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

    public override void Flush() => _posted.Release();

    /// <summary>Forgets posts counted so far.</summary>
    public void Reset()
    {
        while (_posted.Wait(0)) { }
    }

    public async Task WaitPostsAsync(int count, TimeSpan timeout)
    {
        for (var i = 0; i < count; i++)
            if (!await _posted.WaitAsync(timeout)) throw new TimeoutException($"no post after {timeout.TotalSeconds}s; last lines:\n{string.Join('\n', Lines.TakeLast(20))}");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _posted.Dispose();
        base.Dispose(disposing);
    }
}
