using System.Text;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>Keeps the last <c>capacity</c> bytes of a stream so a command printing megabytes costs a fixed amount of memory.</summary>
public sealed class OutputTail(int capacity)
{
    private readonly byte[] _buffer = new byte[capacity];
    private int _start;
    private int _count;
    private readonly Lock _gate = new();

    public long TotalBytes { get; private set; }

    public bool Truncated => TotalBytes > capacity;

    public void Append(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            TotalBytes += data.Length;
            if (data.Length >= capacity)
            {
                data[^capacity..].CopyTo(_buffer);
                _start = 0;
                _count = capacity;
                return;
            }

            // Copy in at most two slices (up to the end of the ring, then from its start): this runs for every
            // chunk of a command printing megabytes.
            var end = (_start + _count) % capacity;
            var first = Math.Min(data.Length, capacity - end);
            data[..first].CopyTo(_buffer.AsSpan(end));
            data[first..].CopyTo(_buffer);
            var overflow = Math.Max(0, _count + data.Length - capacity);
            _count = Math.Min(capacity, _count + data.Length);
            _start = (_start + overflow) % capacity;
        }
    }

    /// <summary>Drains a stream into the tail until it ends.</summary>
    public async Task PumpAsync(Stream stream, CancellationToken cancellationToken)
    {
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0) Append(chunk.AsSpan(0, read));
    }

    public override string ToString()
    {
        lock (_gate)
        {
            var bytes = new byte[_count];
            for (var i = 0; i < _count; i++) bytes[i] = _buffer[(_start + i) % capacity];
            var text = Encoding.UTF8.GetString(bytes);
            return Truncated ? $"[… {TotalBytes - _count} earlier bytes dropped …]\n" + text : text;
        }
    }
}
