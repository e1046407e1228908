using System.Text;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Tests.Transport;

public sealed class OutputTailTests
{
    [Theory]
    [InlineData(16, new[] { 5, 5, 5 })]
    [InlineData(16, new[] { 20 })]
    [InlineData(16, new[] { 15, 1, 1, 15, 3 })]
    [InlineData(16, new[] { 16, 16 })]
    [InlineData(7, new[] { 3, 3, 3, 3, 3, 3, 3 })]
    [InlineData(1024, new[] { 1000, 1000, 1000 })]
    public void Append_KeepsExactlyTheLastBytes(int capacity, int[] chunks)
    {
        var sut = new OutputTail(capacity);
        var all = new StringBuilder();
        var next = 0;
        foreach (var size in chunks)
        {
            var chunk = new string(Enumerable.Range(next, size).Select(i => (char)('a' + (i % 26))).ToArray());
            next += size;
            all.Append(chunk);
            sut.Append(Encoding.ASCII.GetBytes(chunk));
        }

        var expected = all.ToString();
        var kept = expected.Length > capacity ? expected[^capacity..] : expected;
        Assert.Equal(expected.Length, sut.TotalBytes);
        Assert.Equal(expected.Length > capacity, sut.Truncated);
        Assert.EndsWith(kept, sut.ToString(), StringComparison.Ordinal);
        Assert.Equal(kept, sut.ToString());
        Assert.Equal(expected.Length - kept.Length, sut.DroppedBytes);
    }

    [Fact]
    public void Append_LessThanCapacity_KeepsEverything()
    {
        var tail = new OutputTail(16);

        tail.Append("hello "u8);
        tail.Append("world"u8);

        Assert.Equal("hello world", tail.ToString());
        Assert.Equal(11, tail.TotalBytes);
        Assert.False(tail.Truncated);
    }

    [Fact]
    public void Append_ExactlyCapacity_IsNotTruncated()
    {
        var tail = new OutputTail(4);

        tail.Append("abcd"u8);

        Assert.Equal("abcd", tail.ToString());
        Assert.False(tail.Truncated);
    }

    [Fact]
    public void Append_SmallChunksPastCapacity_KeepsLastBytesAndSaysHowManyWereDropped()
    {
        var tail = new OutputTail(8);

        foreach (var chunk in new[] { "0123", "4567", "89ab", "cd" }) tail.Append(Encoding.ASCII.GetBytes(chunk));

        Assert.True(tail.Truncated);
        Assert.Equal(14, tail.TotalBytes);
        Assert.Equal(("6789abcd", 6L), (tail.ToString(), tail.DroppedBytes));
    }

    [Fact]
    public void Append_OneChunkLargerThanCapacity_KeepsItsEnd()
    {
        var tail = new OutputTail(4);
        tail.Append("xy"u8);

        tail.Append("0123456789"u8);

        Assert.Equal(("6789", 8L), (tail.ToString(), tail.DroppedBytes));
    }

    [Fact]
    public void Append_SmallChunkAfterWrap_StaysInOrder()
    {
        var tail = new OutputTail(4);
        tail.Append("0123456789"u8);

        tail.Append("ab"u8);

        Assert.Equal("89ab", tail.ToString());
    }

    [Fact]
    public void Append_RandomChunks_MatchesTheLastBytesOfTheWholeStream()
    {
        var random = new Random(1040013);
        const int capacity = 1000;
        var tail = new OutputTail(capacity);
        var all = new List<byte>();

        for (var i = 0; i < 500; i++)
        {
            var chunk = new byte[random.Next(0, 2500)];
            random.NextBytes(chunk);
            for (var j = 0; j < chunk.Length; j++) chunk[j] = (byte)('a' + (chunk[j] % 26));
            tail.Append(chunk);
            all.AddRange(chunk);
        }

        var expected = Encoding.ASCII.GetString(all.Skip(all.Count - capacity).ToArray());
        Assert.Equal(all.Count, tail.TotalBytes);
        Assert.Equal(expected, tail.ToString());
    }

    [Fact]
    public async Task PumpAsync_Megabytes_KeepsOnlyTheTail()
    {
        var data = new byte[5 * 1024 * 1024];
        for (var i = 0; i < data.Length; i++) data[i] = (byte)('a' + (i % 26));
        "THE END"u8.CopyTo(data.AsSpan(data.Length - 7));
        var tail = new OutputTail(64 * 1024);

        await tail.PumpAsync(new MemoryStream(data), CancellationToken.None);

        var text = tail.ToString();
        Assert.Equal(data.Length, tail.TotalBytes);
        Assert.Equal(data.Length - (64 * 1024), tail.DroppedBytes);
        Assert.EndsWith("THE END", text);
        Assert.Equal(64 * 1024, text.Length);
    }

    [Theory]
    [InlineData(1000, 1)]
    [InlineData(1000, 7)]
    [InlineData(1000, 255)]
    [InlineData(1000, 999)]
    [InlineData(4096, 300)]
    public void Append_ManyChunksWhileTheBufferGrows_KeepsExactlyTheLastCapacityBytes(int capacity, int seed)
    {
        var random = new Random(seed);
        var sut = new OutputTail(capacity);
        var all = new List<byte>();
        while (all.Count < 5 * capacity)
        {
            var chunk = Enumerable.Range(0, random.Next(1, capacity / 3)).Select(_ => (byte)random.Next('a', 'z' + 1)).ToArray();
            sut.Append(chunk);
            all.AddRange(chunk);
            var expected = System.Text.Encoding.ASCII.GetString(all.Skip(Math.Max(0, all.Count - capacity)).ToArray());
            Assert.EndsWith(expected, sut.ToString(), StringComparison.Ordinal);
            Assert.Equal(all.Count > capacity, sut.Truncated);
        }
    }
}
