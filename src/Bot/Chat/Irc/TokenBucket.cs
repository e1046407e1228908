namespace ChatOpsReconfig.Bot.Chat.Irc;

/// <summary>
/// Flood control: up to <c>burst</c> lines back to back, then one every 1/<c>perSecond</c> seconds. Servers
/// disconnect clients that send faster ("Excess Flood"); waiting here is cheaper than reconnecting.
/// </summary>
internal sealed class TokenBucket(double perSecond, int burst, TimeProvider time)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private double _tokens = burst;
    private long _last = time.GetTimestamp();

    /// <summary>Waits until one line may be sent, and takes its token. Callers are served one at a time, in order.</summary>
    public async Task TakeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Refill();
            if (_tokens < 1)
            {
                await Task.Delay(TimeSpan.FromSeconds((1 - _tokens) / perSecond), time, cancellationToken);
                Refill();
            }

            _tokens = Math.Max(0, _tokens - 1);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Refill()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(burst, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * perSecond));
        _last = now;
    }
}
