using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>What a transport gives the driver: a way to write to its stdin, to kill a process group, and to close it.</summary>
internal interface IDriverChannel
{
    /// <summary>Writes to the driver's stdin.</summary>
    Task SendAsync(string text);

    /// <summary>The client's backstop when the driver does not end a step: kill the step's process group from outside.</summary>
    Task<CommandStop> KillGroupAsync(int pgid);

    /// <summary>Ends the channel (stdin closed, channel or process released); does not wait for the driver.</summary>
    ValueTask CloseAsync();
}

/// <summary>
/// The bot's side of <see cref="HostDriver"/>: sends the driver and one line per step, and cuts what comes back into
/// per-step outcomes by the markers. The transport feeds it the channel's stdout, stderr and end
/// (<see cref="OnStdout"/>, <see cref="OnStderr"/>, <see cref="OnClosed"/>). The host enforces step timeouts; the
/// client waits <see cref="Backstop"/> longer, then kills the step's group itself and gives up on the channel.
/// </summary>
internal sealed class DriverSequence : IHostSequence
{
    /// <summary>Past the step timeout: the host's watchdog needs up to 2 s between TERM and KILL, plus the trip back.</summary>
    internal static readonly TimeSpan Backstop = TimeSpan.FromSeconds(15);

    /// <summary>For the driver to start (login shell included) and for its lock/journal answers.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private const int MaxJournalBytes = 64 * 1024;

    private readonly string _label;
    private readonly string _marker;
    private readonly int _maxOutputBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MarkerSplitter _stdout;
    private readonly MarkerSplitter _stderr;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IDriverChannel? _channel;
    private TaskCompletionSource<string>? _pendingAnswer;
    private StringBuilder? _journal;
    private Step? _step;
    private Action<ReadOnlySpan<byte>>? _outSink;
    private Action<ReadOnlySpan<byte>>? _errSink;
    private CommandError? _broken;
    private int _next;

    public DriverSequence(string label, int maxOutputBytes, TimeProvider time, ILogger logger)
    {
        _label = label;
        _marker = HostDriver.NewMarker();
        _maxOutputBytes = maxOutputBytes;
        _time = time;
        _logger = logger;
        _stdout = new MarkerSplitter(_marker, b => _outSink?.Invoke(b), OnStdoutMarker);
        _stderr = new MarkerSplitter(_marker, b => _errSink?.Invoke(b), OnStderrMarker);
    }

    public HostLockResult Lock { get; private set; } = new(LockAction.None);

    /// <summary>The channel has ended, or the session under it was closed.</summary>
    public bool IsClosed => _closed.Task.IsCompleted;

    public CommandError? StartError { get; private set; }

    public IReadOnlyList<JournalEntry> Journal { get; private set; } = [];

    /// <summary>Sends the driver, takes the lock and, when orphans are looked for, reads the journal.</summary>
    public async Task StartAsync(IDriverChannel channel, string basedir, SequenceOptions options)
    {
        _channel = channel;
        // The lock request goes with the driver: one round trip fewer per host (the driver reads it once it is ready).
        var locked = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _pendingAnswer = locked;
        if (!await SendAsync(HostDriver.Prelude(_marker, basedir, options.RolloutId) + HostDriver.Lock(options.LockWait, options.StopOrphansOf))
            || !await WaitAsync(_ready.Task, StartTimeout, DriverWait.Start)
            || !await WaitAsync(locked.Task, options.LockWait + StartTimeout, DriverWait.Lock))
        {
            StartError = _broken;
            return;
        }

        var answer = await locked.Task;

        Lock = ParseLock(answer);
        if (Lock.Action == LockAction.TimedOut)
        {
            Lock = Lock with { WaitedSeconds = (int)options.LockWait.TotalSeconds };
            return;
        }

        if (options.StopOrphansOf is not null && await AskAsync(HostDriver.Journal, StartTimeout, DriverWait.Journal) is { } journal)
        {
            Journal = ParseJournal(journal);
        }
    }

    /// <summary>A read of the bot's own (revisions): no journal, and no timeout on the host; the client's wait bounds it.</summary>
    public Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken) =>
        RunAsync(HostDriver.Read, command, timeout, hostKills: false);

    /// <summary>
    /// Runs one step. The token is not watched: running steps finish or time out (the driver's watchdog), as the
    /// rollout wants; cancelling means not starting the next step.
    /// </summary>
    public Task<CommandOutcome> RunStepAsync(string command, TimeSpan timeout, string? tag, CancellationToken cancellationToken) =>
        RunAsync((index, text) => HostDriver.Step(index, text, timeout, tag ?? "-"), command, timeout, hostKills: true);

    /// <summary>
    /// Sends one step or read (<paramref name="line"/> makes the driver's line from its index and the command) and
    /// waits for it. <paramref name="hostKills"/>: the driver enforces the timeout (steps); else the client does, at
    /// the timeout itself (reads).
    /// </summary>
    private async Task<CommandOutcome> RunAsync(Func<int, string, string> line, string command, TimeSpan timeout, bool hostKills)
    {
        var started = _time.GetTimestamp();
        if (_broken is not null || StartError is not null || Lock.Action == LockAction.TimedOut)
            return Error(started, StartError ?? _broken ?? new CommandError { Kind = CommandErrorKind.HostLockHeld });

        var step = new Step(++_next, _maxOutputBytes);
        lock (_gate) _step = step;
        if (!await SendAsync(line(step.Index, command)))
            return Error(started, _broken!);

        var wait = hostKills ? timeout + Backstop : timeout;
        if (await Task.WhenAny(step.Ended.Task, _closed.Task, Task.Delay(wait, _time)) == step.Ended.Task) return Outcome(step, timeout, started);
        if (step.Ended.Task.IsCompleted) return Outcome(step, timeout, started);
        if (_closed.Task.IsCompleted) return Error(started, _broken!, step);

        // The driver did not end the step: kill its group from outside, give it a moment, then give up on the channel.
        var killed = step.Pid is { } pid and > 1 ? await _channel!.KillGroupAsync(pid) : new CommandStop { Kind = StopKind.GroupUnknown };
        await Task.WhenAny(step.Ended.Task, _closed.Task, Task.Delay(TimeSpan.FromSeconds(5), _time));
        if (step.Ended.Task.IsCompleted)
        {
            // A read has no watchdog on the host: the client's kill is its timeout.
            if (!hostKills) step.Killed = true;
            return Outcome(step, timeout, started);
        }

        Break(new CommandError { Kind = CommandErrorKind.StepNotEnded, Host = _label, Seconds = Seconds(wait), Stop = killed });
        var elapsed = _time.GetElapsedTime(started);
        TransportLog.CommandStopped(_logger, _label, Math.Round(elapsed.TotalSeconds, 1), "timeout", killed.Kind, killed.ProcessGroup);
        return CommandOutcome.Of(CommandStatus.TimedOut, null, step.Out, step.Err, elapsed,
            new CommandError { Kind = CommandErrorKind.TimedOutUnstopped, Seconds = Seconds(timeout), Stop = killed });
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is null) return;
        if (_broken is null)
        {
            // The driver ends itself once it has said goodbye; a daemon a step started may keep the channel's
            // output open, so the channel is closed as soon as the goodbye is in.
            var bye = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate) _pendingAnswer = bye;
            if (await SendAsync(HostDriver.Goodbye)) await Task.WhenAny(bye.Task, _closed.Task, Task.Delay(TimeSpan.FromSeconds(5), _time));
        }

        await _channel.CloseAsync();
    }

    public void OnStdout(ReadOnlySpan<byte> chunk)
    {
        lock (_gate) _stdout.Append(chunk);
    }

    public void OnStderr(ReadOnlySpan<byte> chunk)
    {
        lock (_gate) _stderr.Append(chunk);
    }

    /// <summary>The channel ended (driver exited, connection lost): everything still waiting fails with this.</summary>
    public void OnClosed(CommandError why)
    {
        lock (_gate)
        {
            _stdout.Complete();
            _stderr.Complete();
            _broken ??= why;
            if (_channel is null) StartError ??= why;
        }

        _closed.TrySetResult();
    }

    private void OnStdoutMarker(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return;
        var step = _step;
        switch (words[0])
        {
            case "ready":
                _ready.TrySetResult();
                break;
            case "start" when step is not null && IsStep(words, step):
                _outSink = step.Out.Append;
                break;
            case "pid" when step is not null && IsStep(words, step):
                step.Pid = words.Length > 2 && int.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
                break;
            case "killed" when step is not null && IsStep(words, step):
                step.Killed = true;
                break;
            case "end" when step is not null && IsStep(words, step):
                step.ExitCode = words.Length > 2 && int.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var rc) ? rc : null;
                _outSink = null;
                step.OutEnded = true;
                if (step.ErrEnded) step.Ended.TrySetResult();
                break;
            case "journal":
                _journal = new StringBuilder();
                _outSink = b =>
                {
                    if (_journal.Length < MaxJournalBytes) _journal.Append(Encoding.UTF8.GetString(b));
                };
                break;
            case "journal-end":
                _outSink = null;
                _pendingAnswer?.TrySetResult(_journal?.ToString() ?? "");
                break;
            case "lock":
            case "bye":
                _pendingAnswer?.TrySetResult(line);
                break;
        }
    }

    private void OnStderrMarker(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var step = _step;
        if (words.Length < 2 || step is null || !IsStep(words, step)) return;
        if (words[0] == "start")
        {
            _errSink = step.Err.Append;
        }
        else if (words[0] == "end")
        {
            _errSink = null;
            step.ErrEnded = true;
            if (step.OutEnded) step.Ended.TrySetResult();
        }
    }

    private static bool IsStep(string[] words, Step step) =>
        words.Length > 1 && int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i == step.Index;

    private async Task<string?> AskAsync(string text, TimeSpan timeout, DriverWait what)
    {
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _pendingAnswer = answer;
        if (!await SendAsync(text) || !await WaitAsync(answer.Task, timeout, what)) return null;
        return await answer.Task;
    }

    private async Task<bool> WaitAsync(Task task, TimeSpan timeout, DriverWait what)
    {
        var first = await Task.WhenAny(task, _closed.Task, Task.Delay(timeout, _time));
        if (first == task) return true;
        if (task.IsCompleted) return true;
        if (!_closed.Task.IsCompleted) Break(new CommandError { Kind = CommandErrorKind.DriverSilent, Host = _label, Waiting = what, Seconds = Seconds(timeout) });
        return false;
    }

    private async Task<bool> SendAsync(string text)
    {
        try
        {
            await _channel!.SendAsync(text);
            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or Renci.SshNet.Common.SshException)
        {
            Break(new CommandError { Kind = CommandErrorKind.ConnectionBroke, Host = _label, Detail = ex.Message });
            return false;
        }
    }

    private void Break(CommandError why)
    {
        lock (_gate) _broken ??= why;
    }

    private static HostLockResult ParseLock(string line)
    {
        // "lock free" | "lock none" | "lock waited S [R pid pgid tag]" | "lock stopped [R …]" | "lock timeout [R …]"
        var w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int? Int(int i) => w.Length > i && int.TryParse(w[i], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
        return w.ElementAtOrDefault(1) switch
        {
            "free" => new HostLockResult(LockAction.Free),
            "waited" => new HostLockResult(LockAction.Waited, Int(3), Int(2) ?? 0),
            "stopped" => new HostLockResult(LockAction.Stopped, Int(2)),
            "timeout" => new HostLockResult(LockAction.TimedOut, Int(2)),
            _ => new HostLockResult(LockAction.None),
        };
    }

    private static List<JournalEntry> ParseJournal(string text)
    {
        var entries = new List<JournalEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var space = line.LastIndexOf(' ');
            if (space > 0 && int.TryParse(line[(space + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var rc))
                entries.Add(new JournalEntry(line[..space], rc));
        }

        return entries;
    }

    private CommandOutcome Outcome(Step step, TimeSpan timeout, long started)
    {
        var elapsed = _time.GetElapsedTime(started);
        if (step.Killed)
        {
            var killed = new CommandStop { Kind = StopKind.Killed, ProcessGroup = step.Pid };
            TransportLog.CommandStopped(_logger, _label, Math.Round(elapsed.TotalSeconds, 1), "timeout", killed.Kind, killed.ProcessGroup);
            return CommandOutcome.Of(CommandStatus.TimedOut, null, step.Out, step.Err, elapsed,
                new CommandError { Kind = CommandErrorKind.TimedOut, Seconds = Seconds(timeout), Stop = killed });
        }

        if (step.ExitCode is not { } code)
            return Error(started, new CommandError { Kind = CommandErrorKind.DriverNoExitStatus, Host = _label }, step);
        return CommandOutcome.Of(code == 0 ? CommandStatus.Ok : CommandStatus.Failed, code, step.Out, step.Err, elapsed);
    }

    private CommandOutcome Error(long started, CommandError why, Step? step = null) => step is null
        ? new(CommandStatus.Error, null, "", "", _time.GetElapsedTime(started), why)
        : CommandOutcome.Of(CommandStatus.Error, null, step.Out, step.Err, _time.GetElapsedTime(started), why);

    private static int Seconds(TimeSpan span) => (int)Math.Round(span.TotalSeconds);

    /// <summary>One step in flight: its tails and what the markers said.</summary>
    private sealed class Step(int index, int maxOutputBytes)
    {
        public int Index => index;

        public OutputTail Out { get; } = new(maxOutputBytes);

        public OutputTail Err { get; } = new(maxOutputBytes);

        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int? Pid { get; set; }

        public int? ExitCode { get; set; }

        public bool Killed { get; set; }

        public bool OutEnded { get; set; }

        public bool ErrEnded { get; set; }
    }
}
