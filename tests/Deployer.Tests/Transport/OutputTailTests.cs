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
        Assert.Equal(sut.Truncated ? $"[… {expected.Length - capacity} earlier bytes dropped …]\n" + kept : kept, sut.ToString());
    }
}
