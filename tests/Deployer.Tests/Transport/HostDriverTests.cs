using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Transport;

namespace ChatOpsReconfig.Deployer.Tests.Transport;

/// <summary>
/// A host's sequence through the one-channel driver (<see cref="HostDriver"/>) against real sshd: steps in one login
/// shell, per-step results, host-side timeouts, the host lock and orphans. Steps signal the test through named pipes.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class HostDriverTests(SshdFixture sshd) : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-driver-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private SshTransport CreateSut(int maxOutputBytes = 64 * 1024) => new(sshd.Settings(maxOutputBytes: maxOutputBytes), TimeProvider.System);

    private HostConfig Host(string? user = null, string? basedir = null) =>
        SshdFixture.HostConfig(sshd.Hosts[0], "master", basedir ?? _dir) with { User = user };

    private static async Task<IHostSession> ConnectAsync(SshTransport sut, HostConfig host)
    {
        var result = await sut.ConnectAsync(host, CancellationToken.None);
        Assert.True(result.Session is not null, $"connect failed: {result.Failure}");
        return result.Session!; // asserted just above
    }

    private static Task<IHostSequence> StartAsync(IHostSession session, int rollout = 1, int? stopOrphansOf = null, int lockWaitSeconds = 60) =>
        session.StartSequenceAsync(new SequenceOptions(rollout, stopOrphansOf, TimeSpan.FromSeconds(lockWaitSeconds)), CancellationToken.None);

    [Fact]
    public async Task Sequence_Steps_KeepTheirOwnOutputAndExitCodes()
    {
        await using var session = await ConnectAsync(CreateSut(), Host());
        await using var sequence = await StartAsync(session);

        var first = await sequence.RunStepAsync("echo one; echo warn-one >&2", Long, "t1", CancellationToken.None);
        var second = await sequence.RunStepAsync("printf 'no newline'; echo 'checkconfig: broken' >&2; exit 3", Long, "t2", CancellationToken.None);
        var third = await sequence.RunStepAsync("pwd", Long, null, CancellationToken.None);

        Assert.Null(sequence.StartError);
        Assert.Equal(LockAction.Free, sequence.Lock.Action);
        Assert.Equal((CommandStatus.Ok, 0, "one\n", "warn-one\n"), (first.Status, first.ExitCode, first.Stdout, first.Stderr));
        Assert.Equal((CommandStatus.Failed, 3, "no newline", "checkconfig: broken\n"), (second.Status, second.ExitCode, second.Stdout, second.Stderr));
        Assert.Equal(_dir + "\n", third.Stdout);
        Assert.Equal("t1 0\nt2 3\n", await File.ReadAllTextAsync(Path.Combine(_dir, HostDriver.JournalFile)));
    }

    [Fact]
    public async Task Sequence_StepPastTimeout_IsKilledOnTheHost_WithItsChildren_AndTheNextStepRuns()
    {
        await using var session = await ConnectAsync(CreateSut(), Host());
        await using var sequence = await StartAsync(session);
        var sleep = $"sleep 300.{Random.Shared.Next(100000, 999999)}";
        var finished = Path.Combine(_dir, "finished");

        var outcome = await sequence.RunStepAsync($"{sleep} & {sleep}; touch {finished}", TimeSpan.FromSeconds(1), "slow", CancellationToken.None);
        var next = await sequence.RunStepAsync($"pgrep -f '[{sleep[0]}]{sleep[1..]}' || echo none left", Long, "next", CancellationToken.None);

        Assert.Equal(CommandStatus.TimedOut, outcome.Status);
        Assert.Equal((CommandErrorKind.TimedOut, 1, StopKind.Killed), (outcome.Error?.Kind, outcome.Error?.Seconds, outcome.Error?.Stop?.Kind));
        Assert.True(outcome.Error?.Stop?.ProcessGroup > 1);
        Assert.InRange(outcome.Duration, TimeSpan.FromSeconds(1), DriverSequence.Backstop);
        Assert.Equal("none left\n", next.Stdout);
        Assert.False(File.Exists(finished));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Sequence_PlainProgramSteps_StartedWithoutAShell_KeepExitCodesOutputAndTimeouts()
    {
        await using var session = await ConnectAsync(CreateSut(), Host());
        await using var sequence = await StartAsync(session);
        var script = Path.Combine(_dir, "fails.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\necho \"out $*\"\necho err >&2\nexit 3\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b111_101_101);
        var sleep = $"sleep 300.{Random.Shared.Next(100000, 999999)}";
        Assert.True(HostDriver.IsPlainProgram("./fails.sh a=1 b,c") && HostDriver.IsPlainProgram(sleep));

        var failed = await sequence.RunStepAsync("./fails.sh a=1 b,c", Long, "plain", CancellationToken.None);
        var missing = await sequence.RunStepAsync("chatops-no-such-program --flag", Long, null, CancellationToken.None);
        var slow = await sequence.RunStepAsync(sleep, TimeSpan.FromSeconds(1), null, CancellationToken.None);
        var next = await sequence.RunStepAsync($"pgrep -f '[{sleep[0]}]{sleep[1..]}' || echo none left", Long, null, CancellationToken.None);

        Assert.Equal((CommandStatus.Failed, 3, "out a=1 b,c\n", "err\n"), (failed.Status, failed.ExitCode, failed.Stdout, failed.Stderr));
        Assert.Equal((CommandStatus.Failed, 127), (missing.Status, missing.ExitCode));
        Assert.Contains("chatops-no-such-program", missing.Stderr, StringComparison.Ordinal);
        Assert.Equal((CommandStatus.TimedOut, StopKind.Killed), (slow.Status, slow.Error?.Stop?.Kind));
        Assert.Equal("none left\n", next.Stdout);
        Assert.Equal("plain 3\n", await File.ReadAllTextAsync(Path.Combine(_dir, HostDriver.JournalFile)));
    }

    [Fact]
    public async Task Sequence_OutputFlood_KeepsBoundedTailsPerStream_AndTheNextStepIsClean()
    {
        const int cap = 16 * 1024;
        await using var session = await ConnectAsync(CreateSut(cap), Host());
        await using var sequence = await StartAsync(session);

        var flood = await sequence.RunStepAsync(
            "head -c 3000000 /dev/zero | tr '\\0' o; echo out-end; head -c 3000000 /dev/zero | tr '\\0' e >&2; echo err-end >&2", Long, null, CancellationToken.None);
        var next = await sequence.RunStepAsync("echo after; echo after-err >&2", Long, null, CancellationToken.None);

        Assert.Equal(CommandStatus.Ok, flood.Status);
        Assert.True(flood.OutputTruncated);
        Assert.EndsWith("ooout-end\n", flood.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("eeerr-end\n", flood.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain('e', flood.Stdout[^(cap - 100)..^8]);
        Assert.InRange(flood.Stdout.Length, cap, cap + 100);
        Assert.Equal(("after\n", "after-err\n"), (next.Stdout, next.Stderr));
        Assert.InRange(flood.StdoutDropped, 3000000L - cap, 3000100L - cap);
        Assert.InRange(flood.StderrDropped, 3000000L - cap, 3000100L - cap);
        Assert.Equal((0L, 0L), (next.StdoutDropped, next.StderrDropped));
    }

    [Fact]
    public async Task Sequence_HostDiesMidStep_ReportsErrorForThatStepAndTheRest()
    {
        await using var session = await ConnectAsync(CreateSut(), Host());
        await using var sequence = await StartAsync(session);

        // The step's parent is `timeout` (or, without GNU timeout, the driver); the driver's parent is sshd's session process.
        var died = await sequence.RunStepAsync(
            "p=$PPID; [ \"$(ps -o comm= -p $p)\" = timeout ] && p=$(ps -o ppid= -p $p); kill -KILL $(ps -o ppid= -p $p); sleep 30",
            Long, null, CancellationToken.None);
        var after = await sequence.RunStepAsync("echo unreachable", Long, null, CancellationToken.None);

        Assert.Equal(CommandStatus.Error, died.Status);
        Assert.InRange(died.Duration, TimeSpan.Zero, TimeSpan.FromSeconds(20));
        Assert.Equal(CommandStatus.Error, after.Status);
        Assert.Equal("", after.Stdout);
    }

    [Fact]
    public async Task Sequence_MissingBasedir_EveryStepFailsWithClearMessage()
    {
        await using var session = await ConnectAsync(CreateSut(), Host(basedir: Path.Combine(_dir, "does-not-exist")));
        await using var sequence = await StartAsync(session);

        var outcome = await sequence.RunStepAsync("touch here", Long, null, CancellationToken.None);

        Assert.Equal((CommandStatus.Failed, 97), (outcome.Status, outcome.ExitCode));
        Assert.Contains("does-not-exist does not exist on this host", outcome.Stderr, StringComparison.Ordinal);
        Assert.Equal(LockAction.None, sequence.Lock.Action);
    }

    [Fact]
    public async Task Lock_SecondSequenceWaitsForTheFirst_AndNeverOverlaps()
    {
        var sut = CreateSut();
        var reached = await Shell.MakeFifoAsync(Path.Combine(_dir, "reached"));
        var release = await Shell.MakeFifoAsync(Path.Combine(_dir, "release"));
        var log = Path.Combine(_dir, "log");
        await using var first = await ConnectAsync(sut, Host());
        await using var second = await ConnectAsync(sut, Host());
        var a = await StartAsync(first, rollout: 1);
        var running = a.RunStepAsync($"echo a-start >> {log}; echo in > {reached}; read x < {release}; echo a-end >> {log}", Long, "a", CancellationToken.None);
        await Shell.ReadFifoAsync(reached);

        var starting = StartAsync(second, rollout: 2);
        // Let the first step go once the second driver is blocked on the lock: its owner file still names rollout 1.
        var waiting = $"for p in $(pgrep -x flock); do [ \"$(readlink /proc/$p/cwd)\" = '{_dir}' ] && exit 0; done; exit 1";
        Assert.True(await Poll.UntilAsync(async () => (await Shell.RunAsync("/bin/sh", ["-c", waiting])).ExitCode == 0, Long));
        Shell.ReleaseFifo(release);
        Assert.Equal(CommandStatus.Ok, (await running).Status);
        await a.DisposeAsync();
        await using var b = await starting;
        await b.RunStepAsync($"echo b >> {log}", Long, "b", CancellationToken.None);

        Assert.Equal(LockAction.Waited, b.Lock.Action);
        Assert.Equal(1, b.Lock.Holder);
        Assert.Equal("a-start\na-end\nb\n", await File.ReadAllTextAsync(log));
    }

    [Fact]
    public async Task Lock_OrphanOfInterruptedRollout_IsStopped_ItsFinishedStepsAreInTheJournal()
    {
        var sut = CreateSut();
        var reached = await Shell.MakeFifoAsync(Path.Combine(_dir, "reached"));
        var sleep = $"sleep 300.{Random.Shared.Next(100000, 999999)}";
        var log = Path.Combine(_dir, "log");
        var first = await ConnectAsync(sut, Host());
        var a = await StartAsync(first, rollout: 7);
        Assert.Equal(CommandStatus.Ok, (await a.RunStepAsync($"echo update >> {log}", Long, "7:x:update", CancellationToken.None)).Status);
        var orphaned = a.RunStepAsync($"echo in > {reached}; {sleep}; echo reconfig >> {log}", Long, "7:x:reconfig", CancellationToken.None);
        await Shell.ReadFifoAsync(reached);

        // As if the bot died: the connection goes without a goodbye; the driver and its step run on, holding the lock.
        await first.DisposeAsync();
        await orphaned;
        Assert.True(await Poll.UntilAsync(async () => (await Shell.RunAsync("pgrep", ["-f", sleep])).ExitCode == 0, Long));

        await using var second = await ConnectAsync(sut, Host());
        await using var b = await StartAsync(second, rollout: 8, stopOrphansOf: 7);

        Assert.Equal((LockAction.Stopped, 7), (b.Lock.Action, b.Lock.Holder));
        Assert.True(await Poll.UntilAsync(async () => (await Shell.RunAsync("pgrep", ["-f", sleep])).ExitCode != 0, TimeSpan.FromSeconds(10)));
        // The orphan's killed step may be in the journal with its signal's exit code (the orphan ignores the broken
        // pipe and writes it if it is quicker than its own stop); only steps that finished ok count as done.
        Assert.Equal([new JournalEntry("7:x:update", 0)], b.Journal.Where(e => e.ExitCode == 0));
        Assert.Equal("update\n", await File.ReadAllTextAsync(log));
    }

    [Fact]
    public async Task LoginShell_Csh_RunsTheWholeSequenceInOneLoginShell()
    {
        var user = await CshUser.EnsureAsync();
        var basedir = user.Basedir;
        await using var session = await ConnectAsync(CreateSut(), Host(user.Name, basedir));

        await using (var sequence = await StartAsync(session))
        {
            // POSIX syntax csh would refuse: the steps run in /bin/sh whatever the login shell is.
            for (var i = 0; i < 3; i++)
            {
                var step = await sequence.RunStepAsync($"if [ {i} -ge 0 ]; then echo step-{i} $(id -un); fi", Long, $"s{i}", CancellationToken.None);
                Assert.Equal($"step-{i} {user.Name}\n", step.Stdout);
            }
        }

        Assert.Equal(["shell"], await File.ReadAllLinesAsync(user.Counter));
    }

    /// <summary>A local account whose login shell is csh and whose ~/.cshrc counts the shells started.</summary>
    private sealed record CshUser(string Name, string Counter, string Basedir)
    {
        private static readonly SemaphoreSlim Gate = new(1, 1);

        public static async Task<CshUser> EnsureAsync()
        {
            const string name = "chatopscsh";
            var home = Path.Combine(Path.GetTempPath(), "chatops-csh-home");
            var counter = Path.Combine(home, "shells");
            await Gate.WaitAsync();
            try
            {
                if ((await Shell.RunAsync("id", ["-u", name])).ExitCode != 0)
                    await Shell.CheckAsync("useradd", ["-M", "-d", home, "-s", "/bin/csh", name]);
                // Not locked ("!"): sshd without PAM refuses locked accounts even for key logins. The home follows TMPDIR
                // when the account is left from an earlier run.
                await Shell.CheckAsync("usermod", ["-p", "*", "-d", home, name]);
                var basedir = Path.Combine(home, "basedir");
                Directory.CreateDirectory(basedir);
                await File.WriteAllTextAsync(Path.Combine(home, ".cshrc"), $"echo shell >> {counter}\n");
                await File.WriteAllTextAsync(counter, "");
                await Shell.CheckAsync("chown", ["-R", name, home]);
                return new CshUser(name, counter, basedir);
            }
            finally
            {
                Gate.Release();
            }
        }
    }
}
