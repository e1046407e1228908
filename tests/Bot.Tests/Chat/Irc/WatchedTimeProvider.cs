using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

/// <summary>
/// A fake clock that tells a test when the code under test starts waiting (creates a timer) for a given span, so the
/// test advances the clock only once the wait is registered, never before.
/// </summary>
internal sealed class WatchedTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly List<(TimeSpan Min, TimeSpan Max, TaskCompletionSource Signal)> _watches = [];

    /// <summary>Completes when a timer due in [<paramref name="min"/>, <paramref name="max"/>] is created after this call.</summary>
    public Task NextTimer(TimeSpan min, TimeSpan max)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _watches.Add((min, max, signal));
        return signal.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            foreach (var w in _watches.Where(w => dueTime >= w.Min && dueTime <= w.Max).ToList())
            {
                w.Signal.TrySetResult();
                _watches.Remove(w);
            }
        }

        return timer;
    }
}
