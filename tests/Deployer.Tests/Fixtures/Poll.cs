using System.Diagnostics;

namespace ChatOpsReconfig.Deployer.Tests.Fixtures;

/// <summary>Waits for a condition with a deadline, checking often; never a fixed sleep.</summary>
public static class Poll
{
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition()) return true;
            if (clock.Elapsed > deadline) return false;
            await Task.Delay(25);
        }
    }

    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan deadline) =>
        UntilAsync(() => Task.FromResult(condition()), deadline);
}
