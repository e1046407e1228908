using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Transport;

public sealed class LocalTransportTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new("local");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private HostConfig Host(string? basedir = null) =>
        new() { Name = "bm01", Role = "master", Transport = TransportKind.Local, Basedir = basedir ?? _dir.Path };

    private async Task<IHostSession> ConnectAsync(int maxOutputBytes = 64 * 1024)
    {
        var connected = await new LocalTransport(maxOutputBytes, _time).ConnectAsync(Host(), CancellationToken.None);
        Assert.Null(connected.Failure);
        return connected.Session!;
    }

    [Fact]
    public async Task Driver_WithoutGnuTimeout_TheWatchdogKillsTheStepsGroup_AndTheNextStepRuns()
    {
        // A host without coreutils' timeout: every command of /usr/bin and /bin except timeout, through PATH.
        var bin = SearchPath.Without(_dir.Combine("bin"), "timeout");

        var basedir = Directory.CreateDirectory(_dir.Combine("base")).FullName;
        await using var sequence = new DriverSequence("local", 64 * 1024, TimeProvider.System, NullLogger.Instance);
        await sequence.StartAsync(LocalDriverChannel.Start(sequence, out _, bin)!, basedir, new SequenceOptions(1, null, TimeSpan.FromSeconds(60)));
        var sleep = $"sleep 300.{Random.Shared.Next(100000, 999999)}";

        var parent = await sequence.RunStepAsync("command -v timeout || ps -o comm= -p $PPID", Timeout, "parent", CancellationToken.None);
        var slow = await sequence.RunStepAsync($"{sleep} & {sleep}; touch finished", TimeSpan.FromSeconds(1), "slow", CancellationToken.None);
        var next = await sequence.RunStepAsync($"pgrep -f '[{sleep[0]}]{sleep[1..]}' || echo none left", Timeout, "next", CancellationToken.None);

        Assert.Equal("sh\n", parent.Stdout);
        Assert.Equal(CommandStatus.TimedOut, slow.Status);
        Assert.Equal((CommandErrorKind.TimedOut, 1, StopKind.Killed), (slow.Error?.Kind, slow.Error?.Seconds, slow.Error?.Stop?.Kind));
        Assert.True(slow.Error?.Stop?.ProcessGroup > 1);
        Assert.Equal("none left\n", next.Stdout);
        Assert.False(File.Exists(Path.Combine(basedir, "finished")));
        Assert.Equal(["parent 0", "slow 143", "next 0"], await File.ReadAllLinesAsync(Path.Combine(basedir, HostDriver.JournalFile)));
    }

    [Theory]
    [InlineData(LocalHostPriority.BelowNormal, "10")]
    [InlineData(LocalHostPriority.Idle, "19")]
    [InlineData(LocalHostPriority.Normal, "0")]
    public async Task Commands_RunAtTheConfiguredPriority_BothOneByOneAndInTheDriver(LocalHostPriority priority, string niceness)
    {
        var connected = await new LocalTransport(64 * 1024, TimeProvider.System, priority).ConnectAsync(Host(), CancellationToken.None);
        await using var session = connected.Session!;
        var alone = await session.RunAsync("nice", Timeout, CancellationToken.None);
        await using var sequence = await session.StartSequenceAsync(new SequenceOptions(1, null, TimeSpan.FromSeconds(60)), CancellationToken.None);
        var step = await sequence.RunStepAsync("nice", Timeout, "nice", CancellationToken.None);

        // Added to the bot's own niceness (0 unless the test run itself was started with nice), from the first instruction.
        var own = int.Parse((await Shell.RunAsync("nice", [])).Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var expected = Math.Min(19, own + int.Parse(niceness, System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((expected, expected), (alone.Stdout.Trim(), step.Stdout.Trim()));
    }

    [Fact]
    public async Task ConnectAsync_MissingBasedir_IsUnreachable()
    {
        var result = await new LocalTransport(1024, _time).ConnectAsync(Host(_dir.Combine("gone")), CancellationToken.None);

        Assert.Null(result.Session);
        Assert.Equal(ConnectFailureKind.Unreachable, result.Failure!.Kind);
        Assert.True(result.Failure.IsTransient);
        Assert.Equal((ConnectProblem.BasedirMissing, _dir.Combine("gone")), (result.Failure.Problem, result.Failure.Path));
    }

    [Fact]
    public async Task RunAsync_ExitZero_IsOkWithStdoutRunInBasedir()
    {
        await using var session = await ConnectAsync();

        var outcome = await session.RunAsync("pwd; echo out", Timeout, CancellationToken.None);

        Assert.Equal(CommandStatus.Ok, outcome.Status);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal($"{_dir.Path}\nout\n", outcome.Stdout);
        Assert.Equal("", outcome.Stderr);
        Assert.Null(outcome.Error);
    }

    [Fact]
    public async Task RunAsync_NonZeroExit_IsFailedWithCodeAndStderr()
    {
        await using var session = await ConnectAsync();

        var outcome = await session.RunAsync("echo partial; echo 'checkconfig: bad master.cfg' >&2; exit 3", Timeout, CancellationToken.None);

        Assert.Equal(CommandStatus.Failed, outcome.Status);
        Assert.Equal(3, outcome.ExitCode);
        Assert.Equal("partial\n", outcome.Stdout);
        Assert.Equal("checkconfig: bad master.cfg\n", outcome.Stderr);
        Assert.Null(outcome.Error);
        Assert.False(outcome.Succeeded);
    }

    [Fact]
    public async Task RunAsync_StdinIsClosed_CommandReadingItDoesNotHang()
    {
        await using var session = await ConnectAsync();

        var outcome = await session.RunAsync("cat; echo done", Timeout, CancellationToken.None).WaitAsync(Guard);

        Assert.Equal("done\n", outcome.Stdout);
    }

    [Fact]
    public async Task RunAsync_PastTimeout_KillsTheProcessTree()
    {
        var started = await Shell.MakeFifoAsync(_dir.Combine("started"));
        await using var session = await ConnectAsync();

        var run = session.RunAsync("echo before; sleep 600 & echo $! > started; wait; touch finished", Timeout, CancellationToken.None);
        var sleepPid = int.Parse(await Shell.ReadFifoAsync(started));
        Assert.True(Shell.IsAlive(sleepPid));
        _time.Advance(Timeout);
        var outcome = await run.WaitAsync(Guard);

        Assert.Equal(CommandStatus.TimedOut, outcome.Status);
        Assert.Null(outcome.ExitCode);
        Assert.Equal("before\n", outcome.Stdout);
        Assert.Equal(new CommandError { Kind = CommandErrorKind.TimedOut, Seconds = 30, Stop = new CommandStop { Kind = StopKind.TreeKilled } }, outcome.Error);
        // The shell is gone and so is its child: nothing is left that could still finish the command.
        Assert.False(Shell.IsAlive(sleepPid));
        Assert.False(File.Exists(_dir.Combine("finished")));
    }

    [Fact]
    public async Task RunAsync_BeforeTimeout_IsNotKilled()
    {
        var started = await Shell.MakeFifoAsync(_dir.Combine("started"));
        var release = await Shell.MakeFifoAsync(_dir.Combine("release"));
        await using var session = await ConnectAsync();

        var run = session.RunAsync("exec 3<>release; echo go > started; read x <&3; echo finished", Timeout, CancellationToken.None);
        await Shell.ReadFifoAsync(started);
        _time.Advance(Timeout - TimeSpan.FromSeconds(1));
        Shell.ReleaseFifo(release);
        var outcome = await run.WaitAsync(Guard);

        Assert.Equal(CommandStatus.Ok, outcome.Status);
        Assert.Equal("finished\n", outcome.Stdout);
    }

    [Fact]
    public async Task RunAsync_BackgroundChildKeepsOutputOpenAfterShellExits_StillEndsAtTimeout()
    {
        var release = await Shell.MakeFifoAsync(_dir.Combine("release"));
        // Real time here: the timeout must fire after the transport has seen the shell exit, an order a fake clock
        // advanced from the test cannot guarantee. The test itself never waits on the clock.
        var connected = await new LocalTransport(4096, TimeProvider.System).ConnectAsync(Host(), CancellationToken.None);
        await using var session = connected.Session!;
        try
        {
            // A daemon started by a step inherits stdout: the shell exits at once but the pipe stays open.
            var outcome = await session.RunAsync("exec 3<>release; (read x <&3) & echo started", TimeSpan.FromSeconds(1), CancellationToken.None)
                .WaitAsync(Guard);

            Assert.Equal(CommandStatus.TimedOut, outcome.Status);
            Assert.Equal("started\n", outcome.Stdout);
        }
        finally
        {
            Shell.ReleaseFifo(release); // lets the orphan go
        }
    }

    [Fact]
    public async Task RunAsync_CallerCancels_KillsAndReportsError()
    {
        var started = await Shell.MakeFifoAsync(_dir.Combine("started"));
        await using var session = await ConnectAsync();
        using var cts = new CancellationTokenSource();

        var run = session.RunAsync("sleep 600 & echo $! > started; wait; touch finished", Timeout, cts.Token);
        var sleepPid = int.Parse(await Shell.ReadFifoAsync(started));
        await cts.CancelAsync();
        var outcome = await run.WaitAsync(Guard);

        Assert.Equal(CommandStatus.Error, outcome.Status);
        Assert.Equal(new CommandError { Kind = CommandErrorKind.Cancelled, Stop = new CommandStop { Kind = StopKind.TreeKilled } }, outcome.Error);
        Assert.False(Shell.IsAlive(sleepPid));
    }

    [Fact]
    public async Task RunAsync_MegabytesOfOutput_KeepsOnlyTheTailOfEachStream()
    {
        await using var session = await ConnectAsync(maxOutputBytes: 4096);

        var outcome = await session.RunAsync(
            "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo LAST-OUT; head -c 2000000 /dev/zero | tr '\\0' y >&2; echo LAST-ERR >&2",
            Timeout, CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(CommandStatus.Ok, outcome.Status);
        Assert.True(outcome.OutputTruncated);
        Assert.Equal((3000000L + 10 - 4096, 2000000L + 9 - 4096), (outcome.StdoutDropped, outcome.StderrDropped));
        Assert.EndsWith("xxxx\nLAST-OUT\n", outcome.Stdout);
        Assert.EndsWith("yyyyLAST-ERR\n", outcome.Stderr);
        Assert.True(outcome.Stdout.Length < 4200);
        Assert.True(outcome.Stderr.Length < 4200);
    }

    [Fact]
    public async Task RunAsync_ShortOutput_IsNotMarkedTruncated()
    {
        await using var session = await ConnectAsync(maxOutputBytes: 4096);

        var outcome = await session.RunAsync("echo short", Timeout, CancellationToken.None);

        Assert.False(outcome.OutputTruncated);
    }
}
