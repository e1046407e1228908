using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Bot.Tests.Chat.Irc;

/// <summary>Captures log messages and lets a test wait for one (instead of sleeping until something happened).</summary>
internal sealed class LogLines : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToList(); }
    }

    public int Count
    {
        get { lock (_gate) return _lines.Count; }
    }

    public ILogger<T> For<T>() => new Logger<T>(new LoggerFactory([this]));

    public ILogger CreateLogger(string categoryName) => new Capture(this);

    public async Task<string> WaitForAsync(string text, int from = 0, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var hit = _lines.Skip(from).FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal));
                if (hit is not null) return hit;
                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no log line with '{text}'; log:\n{string.Join('\n', Lines)}");
            }
        }
    }

    public void Dispose()
    {
    }

    private sealed class Capture(LogLines owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{logLevel} {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}";
            lock (owner._gate)
            {
                owner._lines.Add(line);
                var changed = owner._changed;
                owner._changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
                changed.TrySetResult();
            }
        }
    }
}
