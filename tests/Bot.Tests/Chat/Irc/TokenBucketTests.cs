using ChatOpsReconfig.Bot.Chat.Irc;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 4, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Take_BurstPassesAtOnce_ThenOnePerInterval()
    {
        var bucket = new TokenBucket(perSecond: 2, burst: 3, _time);
        for (var i = 0; i < 3; i++) await bucket.TakeAsync(CancellationToken.None);

        var fourth = bucket.TakeAsync(CancellationToken.None);
        Assert.False(fourth.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(fourth.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await fourth.WaitAsync(TimeSpan.FromSeconds(10));

        var fifth = bucket.TakeAsync(CancellationToken.None);
        Assert.False(fifth.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        await fifth.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Take_AfterIdle_RefillsUpToTheBurstOnly()
    {
        var bucket = new TokenBucket(perSecond: 1, burst: 2, _time);
        await bucket.TakeAsync(CancellationToken.None);
        await bucket.TakeAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(10));

        await bucket.TakeAsync(CancellationToken.None);
        await bucket.TakeAsync(CancellationToken.None);
        var third = bucket.TakeAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await third.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Take_Waiters_ServedInOrder()
    {
        var bucket = new TokenBucket(perSecond: 1, burst: 1, _time);
        await bucket.TakeAsync(CancellationToken.None);
        var order = new List<int>();
        var a = bucket.TakeAsync(CancellationToken.None).ContinueWith(_ => { lock (order) order.Add(1); }, TaskScheduler.Default);
        var b = bucket.TakeAsync(CancellationToken.None).ContinueWith(_ => { lock (order) order.Add(2); }, TaskScheduler.Default);

        _time.Advance(TimeSpan.FromSeconds(1));
        await a.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(b.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));
        await b.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([1, 2], order);
    }
}
