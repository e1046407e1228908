using System.Text;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>
/// Cuts one output stream of the <see cref="HostDriver"/> into data and marker lines. The driver prints every marker
/// as <c>\n{marker} words…\n</c>; the leading newline is part of the marker, so output that ends without a newline
/// comes out unchanged and output that ends with one keeps it. Memory is bounded: at most one possible marker
/// prefix and one marker line are held back, everything else is handed on as it comes.
/// </summary>
internal sealed class MarkerSplitter(string marker, Action<ReadOnlySpan<byte>> data, Action<string> markerLine)
{
    /// <summary>Longer than any marker line the driver prints; a longer "marker line" is someone's output.</summary>
    private const int MaxLine = 512;

    private readonly byte[] _pattern = Encoding.ASCII.GetBytes("\n" + marker + " ");
    private byte[] _held = new byte[64];
    private int _heldCount;

    public void Append(ReadOnlySpan<byte> chunk)
    {
        Hold(chunk);
        var buffer = _held.AsSpan(0, _heldCount);
        var consumed = 0;
        while (true)
        {
            var rest = buffer[consumed..];
            var at = rest.IndexOf(_pattern);
            if (at < 0)
            {
                // Keep the longest tail that could still become the pattern.
                var keep = Math.Min(rest.Length, _pattern.Length - 1);
                while (keep > 0 && !_pattern.AsSpan().StartsWith(rest[^keep..])) keep--;
                Emit(rest[..^keep]);
                consumed += rest.Length - keep;
                break;
            }

            var lineStart = at + _pattern.Length;
            var end = rest[lineStart..].IndexOf((byte)'\n');
            if (end < 0 && rest.Length - at <= MaxLine)
            {
                // The marker line is not complete yet: wait for more.
                Emit(rest[..at]);
                consumed += at;
                break;
            }

            if (end < 0)
            {
                // Too long for a marker line of ours: someone's output that happens to contain the marker.
                Emit(rest[..(at + 1)]);
                consumed += at + 1;
                continue;
            }

            Emit(rest[..at]);
            consumed += lineStart + end + 1;
            // Data after the marker line goes where the marker says (the next step's tail), so it is handled after.
            markerLine(Encoding.ASCII.GetString(rest.Slice(lineStart, end)));
        }

        var left = _heldCount - consumed;
        _held.AsSpan(consumed, left).CopyTo(_held);
        _heldCount = left;
    }

    /// <summary>The stream ended: whatever is held back is data.</summary>
    public void Complete()
    {
        Emit(_held.AsSpan(0, _heldCount));
        _heldCount = 0;
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.IsEmpty) data(bytes);
    }

    private void Hold(ReadOnlySpan<byte> bytes)
    {
        if (_heldCount + bytes.Length > _held.Length) Array.Resize(ref _held, Math.Max(_held.Length * 2, _heldCount + bytes.Length));
        bytes.CopyTo(_held.AsSpan(_heldCount));
        _heldCount += bytes.Length;
    }
}
