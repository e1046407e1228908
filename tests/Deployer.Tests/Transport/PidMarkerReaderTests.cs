using System.Text;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Tests.Transport;

public sealed class PidMarkerReaderTests
{
    private const string Marker = "chatops-pid-0123456789abcdef";

    private readonly OutputTail _tail = new(1024);

    private PidMarkerReader CreateSut() => new(Marker, _tail);

    private static void Feed(PidMarkerReader sut, params string[] chunks)
    {
        foreach (var c in chunks) sut.Append(Encoding.UTF8.GetBytes(c));
    }

    [Fact]
    public async Task Append_MarkerFirst_YieldsPidAndHidesTheLine()
    {
        var sut = CreateSut();

        Feed(sut, $"{Marker} 4242\nhello\n");

        Assert.Equal(4242, await sut.Pid);
        Assert.Equal("hello\n", _tail.ToString());
    }

    [Fact]
    public async Task Append_MarkerSplitAcrossChunks_IsStillFound()
    {
        var sut = CreateSut();

        Feed(sut, "chatops-pid-0123", "456789abcdef 7", "7\nout", "put\n");

        Assert.Equal(77, await sut.Pid);
        Assert.Equal("output\n", _tail.ToString());
    }

    [Fact]
    public async Task Append_LoginNoiseBeforeMarker_IsKeptAsOutput()
    {
        var sut = CreateSut();

        Feed(sut, "Welcome to bm01\n", $"{Marker} 99\nstep output\n");

        Assert.Equal(99, await sut.Pid);
        Assert.Equal("Welcome to bm01\nstep output\n", _tail.ToString());
    }

    [Fact]
    public async Task Append_MarkerTextLaterInOutput_IsLeftAlone()
    {
        var sut = CreateSut();

        Feed(sut, $"{Marker} 5\n", $"{Marker} 6\n");

        Assert.Equal(5, await sut.Pid);
        Assert.Equal($"{Marker} 6\n", _tail.ToString());
    }

    [Fact]
    public async Task Complete_WithoutMarker_GivesUpAndKeepsOutput()
    {
        var sut = CreateSut();

        Feed(sut, "no marker here\n");
        sut.Complete();

        Assert.Null(await sut.Pid);
        Assert.Equal("no marker here\n", _tail.ToString());
    }

    [Fact]
    public async Task Append_NoMarkerInFirstKilobytes_GivesUp()
    {
        var sut = CreateSut();

        Feed(sut, new string('x', 9000));

        Assert.True(sut.Pid.IsCompleted);
        Assert.Null(await sut.Pid);
        Assert.True(_tail.Truncated);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("-5")]
    public async Task Append_UnusablePid_IsNull(string pid)
    {
        var sut = CreateSut();

        Feed(sut, $"{Marker} {pid}\n");

        Assert.Null(await sut.Pid);
    }
}
