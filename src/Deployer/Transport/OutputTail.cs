using System.Text;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// Keeps the last <c>capacity</c> bytes of a stream so a command printing megabytes costs a fixed amount of memory.
/// The buffer grows with the output up to the capacity: most commands print a line or two, and every command of a
/// rollout has two tails, so a buffer of the full capacity (64 KB by default) up front was most of what a rollout
/// allocated (about 130 KB per command).
/// </summary>
public sealed class OutputTail(int capacity)
{
    private const int InitialSize = 256;

    private byte[] _buffer = [];
    private int _start;
    private int _count;
    private readonly Lock _gate = new();

    public long TotalBytes { get; private set; }

    public bool Truncated => TotalBytes > capacity;

    /// <summary>How many bytes from the start of the output are no longer kept (the Bot says so where it shows the tail).</summary>
    public long DroppedBytes
    {
        get
        {
            lock (_gate) return TotalBytes - _count;
        }
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        lock (_gate)
        {
            TotalBytes += data.Length;
            if (data.Length >= capacity)
            {
                if (_buffer.Length < capacity) _buffer = new byte[capacity];
                data[^capacity..].CopyTo(_buffer);
                _start = 0;
                _count = capacity;
                return;
            }

            // Below the capacity the content stays at the start of the buffer, so growing is one copy.
            if (_buffer.Length < capacity && _count + data.Length > _buffer.Length) Grow(_count + data.Length);

            // Copy in at most two slices (up to the end of the ring, then from its start): this runs for every
            // chunk of a command printing megabytes.
            var size = _buffer.Length;
            var end = (_start + _count) % size;
            var first = Math.Min(data.Length, size - end);
            data[..first].CopyTo(_buffer.AsSpan(end));
            data[first..].CopyTo(_buffer);
            var overflow = Math.Max(0, _count + data.Length - size);
            _count = Math.Min(size, _count + data.Length);
            _start = (_start + overflow) % size;
        }
    }

    private void Grow(int needed)
    {
        var size = Math.Min(capacity, Math.Max(needed, Math.Max(InitialSize, _buffer.Length * 2)));
        var grown = new byte[size];
        _buffer.AsSpan(0, _count).CopyTo(grown);
        _buffer = grown;
    }

    /// <summary>Drains a stream into the tail until it ends.</summary>
    public async Task PumpAsync(Stream stream, CancellationToken cancellationToken)
    {
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0) Append(chunk.AsSpan(0, read));
    }

    /// <summary>The bytes kept, as UTF-8 text (what was dropped is <see cref="DroppedBytes"/>).</summary>
    public override string ToString()
    {
        lock (_gate)
        {
            var bytes = new byte[_count];
            for (var i = 0; i < _count; i++) bytes[i] = _buffer[(_start + i) % _buffer.Length];
            return Encoding.UTF8.GetString(bytes);
        }
    }
}
