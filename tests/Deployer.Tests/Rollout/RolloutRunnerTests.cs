using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Transport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Rollout;

public sealed class RolloutRunnerTests(LocalFleetTemplate template) : IClassFixture<LocalFleetTemplate>, IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly DeployerEvents _events = new();
    private LocalFleetFixture _fleet = null!;
    private StoreDatabase? _db;

    public async Task InitializeAsync() => _fleet = await template.CreateFleetAsync(hostCount: 3);

    public Task DisposeAsync()
    {
        _db?.Dispose();
        _fleet.Dispose();
        return Task.CompletedTask;
    }

    private RolloutRunner CreateSut(FleetConfig fleet, out IRolloutStore store)
    {
        _db ??= new StoreDatabase(_fleet.StorePath);
        store = new RolloutStore(_db);
        return _fleet.Runner(fleet, store, _events, _time);
    }

    private static string Q(string path) => CommandTemplate.ShellQuote(path);

    private static StepConfig[] StepsWith(StepConfig extra, int index)
    {
        var steps = LocalFleetFixture.DefaultSteps.ToList();
        steps.Insert(index, extra);
        return [.. steps];
    }

    private async Task AssertOnDiskAsync(string host, IReadOnlyDictionary<string, string> expected) =>
        Assert.Equal(expected, await _fleet.OnDiskAsync(host));

    private bool Reconfigured(string host) => File.Exists(Path.Combine(_fleet.Basedir(host), "reconfigured"));

    [Fact]
    public async Task Run_HealthyFleet_EveryHostEndsAtThePinnedRevisions()
    {
        var sut = CreateSut(_fleet.Fleet(), out _);

        var rollout = await sut.RunAsync(_fleet.Plan(), CancellationToken.None);

        Assert.Equal(RolloutState.Succeeded, rollout.State);
        Assert.Equal(new RolloutTally { Total = 3, Ok = 3 }, rollout.Tally);
        foreach (var host in _fleet.HostNames)
        {
            await AssertOnDiskAsync(host, _fleet.Heads);
            Assert.True(Reconfigured(host));
        }
    }

    [Fact]
    public async Task Run_CommitLandsDuringRollout_HostsStillGetThePinnedSet()
    {
        // The canary's extra step pushes a new commit to production after its own update.
        var land = new StepConfig
        {
            Name = "land",
            Command = $"if [ {{host}} = h1 ]; then echo late > {Q(_fleet.Upstream("configs"))}/late && git -C {Q(_fleet.Upstream("configs"))} add late"
                + $" && git -C {Q(_fleet.Upstream("configs"))} -c user.name=late -c user.email=late@example.com commit -qm late; fi",
        };
        var sut = CreateSut(_fleet.Fleet(StepsWith(land, 1)), out _);

        var rollout = await sut.RunAsync(_fleet.Plan(), CancellationToken.None);

        Assert.Equal(RolloutState.Succeeded, rollout.State);
        Assert.NotEqual(_fleet.Heads["configs"], await Shell.RevParseAsync(_fleet.Upstream("configs")));
        foreach (var host in _fleet.HostNames) await AssertOnDiskAsync(host, _fleet.Heads);
        Assert.Equal(_fleet.Heads, rollout.Revisions);
    }

    [Fact]
    public async Task Run_GateFailsOnOneHost_ThatHostIsRestoredAndLaterStepsSkipped()
    {
        File.WriteAllText(Path.Combine(_fleet.Basedir("h2"), "break-checkconfig"), "");
        var sut = CreateSut(_fleet.Fleet(), out var store);

        var rollout = await sut.RunAsync(_fleet.Plan(), CancellationToken.None);

        Assert.Equal(RolloutState.Failed, rollout.State);
        Assert.Equal(new RolloutTally { Total = 3, Ok = 2, Failed = 1 }, rollout.Tally);
        await AssertOnDiskAsync("h2", _fleet.Previous);
        Assert.False(Reconfigured("h2"));
        foreach (var host in new[] { "h1", "h3" })
        {
            await AssertOnDiskAsync(host, _fleet.Heads);
            Assert.True(Reconfigured(host));
        }

        var h2 = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).Single(r => r.Host == "h2");
        Assert.Equal(HostOutcome.Failed, h2.Outcome);
        Assert.Equal("checkconfig", h2.FailedStep);
        Assert.True(h2.Restored);
        Assert.Equal(["update", "checkconfig", "restore"], h2.Steps.Select(s => s.Name));
        Assert.Equal([StepStatus.Ok, StepStatus.Failed, StepStatus.Ok], h2.Steps.Select(s => s.Status));
        Assert.Equal(_fleet.Previous, h2.Before);
        Assert.Equal(_fleet.Previous, h2.After);
        Assert.Equal(RestoreOutcome.Restored, h2.Failure?.Restore);
    }

    [Fact]
    public async Task Run_CanaryFails_RolloutHaltsAndOthersAreUntouched()
    {
        File.WriteAllText(Path.Combine(_fleet.Basedir("h1"), "break-checkconfig"), "");
        var reader = _events.Subscribe();
        var sut = CreateSut(_fleet.Fleet(), out var store);

        var rollout = await sut.RunAsync(_fleet.Plan(), CancellationToken.None);

        // The last progress event counts the two hosts the failed canary kept from starting as such.
        var last = Enumerable.Range(0, 100).Select(_ => reader.TryRead(out var e) ? e : null).OfType<HostFinished>().Last();
        Assert.Equal((3, 3, 1, 2), (last.Done, last.Total, last.Failed, last.NotStarted));
        Assert.Equal(RolloutState.Halted, rollout.State);
        Assert.Equal(("h1", HostFailureKind.Step, "checkconfig"), (rollout.FailedCanary, rollout.CanaryFailure?.Kind, rollout.CanaryFailure?.Step));
        Assert.Equal(new RolloutTally { Total = 3, Failed = 1, Skipped = 2 }, rollout.Tally);
        foreach (var host in _fleet.HostNames)
        {
            await AssertOnDiskAsync(host, _fleet.Previous);
            Assert.False(Reconfigured(host));
        }

        var results = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).ToDictionary(r => r.Host);
        Assert.Equal(HostOutcome.Failed, results["h1"].Outcome);
        Assert.True(results["h1"].Canary);
        foreach (var host in new[] { "h2", "h3" })
        {
            Assert.Equal(HostOutcome.Skipped, results[host].Outcome);
            Assert.Empty(results[host].Steps);
            Assert.Equal(new HostFailure { Kind = HostFailureKind.CanaryFailed, Canary = "h1" }, results[host].Failure);
        }
    }

    [Fact]
    public async Task Run_StepHangsPastItsTimeout_FailsThatHostOnly()
    {
        var started = await Shell.MakeFifoAsync(_fleet.Dir.Combine("started"));
        var steps = LocalFleetFixture.DefaultSteps.ToArray();
        steps[2] = steps[2] with
        {
            // The host's own watchdog (HostDriver) enforces the timeout, on the host's clock: keep it short.
            TimeoutSeconds = 1,
            Command = $"if [ {{host}} = h2 ]; then sleep 600 & echo $! > {Q(started)}; wait; fi; " + steps[2].Command,
        };
        var sut = CreateSut(_fleet.Fleet(steps, parallelism: 1), out var store);

        var run = sut.RunAsync(_fleet.Plan(), CancellationToken.None);
        var sleepPid = int.Parse(await Shell.ReadFifoAsync(started));
        var rollout = await run.WaitAsync(Guard);

        Assert.Equal(RolloutState.Failed, rollout.State);
        Assert.False(Shell.IsAlive(sleepPid));
        var results = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).ToDictionary(r => r.Host);
        Assert.Equal(HostOutcome.Failed, results["h2"].Outcome);
        Assert.Equal("reconfig", results["h2"].FailedStep);
        Assert.Equal(StepStatus.TimedOut, results["h2"].Steps[^1].Status);
        Assert.False(results["h2"].Restored);
        Assert.False(Reconfigured("h2"));
        Assert.Equal(HostOutcome.Ok, results["h1"].Outcome);
        Assert.Equal(HostOutcome.Ok, results["h3"].Outcome);
        Assert.True(Reconfigured("h3"));
    }

    [Fact]
    public async Task Run_Resumed_StepTheInterruptedRolloutFinishedOnAHost_IsNotRunAgain()
    {
        // As the host's driver leaves it when the bot died after h1's update and checkconfig of rollout 5 ended.
        var h1 = _fleet.Basedir("h1");
        await File.WriteAllLinesAsync(Path.Combine(h1, HostDriver.JournalFile),
        [
            HostDriver.Tag(5, "update", _fleet.Heads) + " 0",
            HostDriver.Tag(5, "checkconfig", _fleet.Heads) + " 0",
            HostDriver.Tag(4, "reconfig", _fleet.Heads) + " 0",
        ]);
        var sut = CreateSut(_fleet.Fleet(), out var store);

        var rollout = await sut.RunAsync(_fleet.Plan() with { ResumedFrom = 5 }, CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(RolloutState.Succeeded, rollout.State);
        var steps = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).Single(r => r.Host == "h1").Steps;
        Assert.Equal(["update", "checkconfig", "reconfig"], steps.Select(s => s.Name));
        Assert.All(steps, s => Assert.Equal(StepStatus.Ok, s.Status));
        Assert.Equal((5, ""), (steps[1].AlreadyDoneBy, steps[1].StdoutTail));
        // Journal entries of another rollout do not count: reconfig ran.
        Assert.True(Reconfigured("h1"));
        Assert.Contains(HostDriver.Tag(rollout.Id, "reconfig", _fleet.Heads) + " 0", await File.ReadAllLinesAsync(Path.Combine(h1, HostDriver.JournalFile)));
        // h1 was still behind on disk: its update was skipped, only because the journal said it was done.
        Assert.Equal(_fleet.Previous, await _fleet.OnDiskAsync("h1"));
        await AssertOnDiskAsync("h2", _fleet.Heads);
    }

    [Fact]
    public async Task Run_CancelledBeforeSecondWave_RemainingHostsSkippedAndRunningStepFinishes()
    {
        var started = await Shell.MakeFifoAsync(_fleet.Dir.Combine("started"));
        var release = await Shell.MakeFifoAsync(_fleet.Dir.Combine("release"));
        var steps = LocalFleetFixture.DefaultSteps.ToArray();
        steps[2] = steps[2] with
        {
            Command = $"if [ {{host}} = h1 ]; then exec 3<>{Q(release)}; echo go > {Q(started)}; read x <&3; fi; " + steps[2].Command,
        };
        var sut = CreateSut(_fleet.Fleet(steps), out var store);
        using var cts = new CancellationTokenSource();

        var run = sut.RunAsync(_fleet.Plan(), cts.Token);
        await Shell.ReadFifoAsync(started);
        await cts.CancelAsync();
        Shell.ReleaseFifo(release);
        var rollout = await run.WaitAsync(Guard);

        Assert.Equal(RolloutState.Cancelled, rollout.State);
        var results = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).ToDictionary(r => r.Host);
        Assert.Equal(HostOutcome.Ok, results["h1"].Outcome);
        Assert.True(Reconfigured("h1"));
        await AssertOnDiskAsync("h1", _fleet.Heads);
        foreach (var host in new[] { "h2", "h3" })
        {
            Assert.Equal(HostOutcome.Skipped, results[host].Outcome);
            Assert.Equal(HostFailure.Of(HostFailureKind.RolloutCancelled), results[host].Failure);
            await AssertOnDiskAsync(host, _fleet.Previous);
        }
    }

    [Fact]
    public async Task Run_CancelledWhileCanaryRuns_IsCancelledNotHalted()
    {
        var started = await Shell.MakeFifoAsync(_fleet.Dir.Combine("started"));
        var release = await Shell.MakeFifoAsync(_fleet.Dir.Combine("release"));
        var steps = LocalFleetFixture.DefaultSteps.ToArray();
        steps[0] = steps[0] with
        {
            Command = $"if [ {{host}} = h1 ]; then exec 3<>{Q(release)}; echo go > {Q(started)}; read x <&3; fi; " + steps[0].Command,
        };
        var sut = CreateSut(_fleet.Fleet(steps), out var store);
        using var cts = new CancellationTokenSource();

        var run = sut.RunAsync(_fleet.Plan(), cts.Token);
        await Shell.ReadFifoAsync(started);
        await cts.CancelAsync();
        Shell.ReleaseFifo(release);
        var rollout = await run.WaitAsync(Guard);

        Assert.Equal(RolloutState.Cancelled, rollout.State);
        Assert.Null(rollout.FailedCanary);
        var results = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).ToDictionary(r => r.Host);
        // The running step finished; the canary's later steps did not start.
        Assert.Equal(["update"], results["h1"].Steps.Select(s => s.Name));
        Assert.Equal(new HostFailure { Kind = HostFailureKind.CancelledBeforeStep, Step = "checkconfig" }, results["h1"].Failure);
        foreach (var host in new[] { "h2", "h3" })
        {
            Assert.Equal(HostOutcome.Skipped, results[host].Outcome);
            Assert.Equal(HostFailure.Of(HostFailureKind.RolloutCancelled), results[host].Failure);
        }
    }

    [Fact]
    public async Task Run_CancelledBeforeStart_TouchesNothing()
    {
        var sut = CreateSut(_fleet.Fleet(), out var store);

        var rollout = await sut.RunAsync(_fleet.Plan(), new CancellationToken(canceled: true));

        Assert.Equal(RolloutState.Cancelled, rollout.State);
        var results = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).ToDictionary(r => r.Host);
        Assert.All(results.Values, r => Assert.Equal(HostOutcome.Skipped, r.Outcome));
        Assert.True(results["h1"].Canary);
        Assert.False(results["h2"].Canary);
        foreach (var host in _fleet.HostNames) await AssertOnDiskAsync(host, _fleet.Previous);
    }

    [Fact]
    public async Task Run_MissingBasedir_HostUnreachableOthersUpdated()
    {
        Directory.Delete(_fleet.Basedir("h3"), recursive: true);
        var fleet = _fleet.Fleet() with { Rollout = new RolloutSettings { ConnectAttempts = 3, ConnectBackoffSeconds = 0 } };
        var sut = CreateSut(fleet, out var store);

        var rollout = await sut.RunAsync(_fleet.Plan(), CancellationToken.None);

        Assert.Equal(RolloutState.Failed, rollout.State);
        Assert.Equal(new RolloutTally { Total = 3, Ok = 2, Unreachable = 1 }, rollout.Tally);
        var h3 = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).Single(r => r.Host == "h3");
        Assert.Equal(HostOutcome.Unreachable, h3.Outcome);
        Assert.Equal("connect", h3.FailedStep);
        Assert.Equal(HostFailureKind.Connect, h3.Failure?.Kind);
        Assert.Equal(ConnectProblem.BasedirMissing, h3.Failure?.ConnectFailure?.Problem);
        Assert.Equal(HostOutcome.Unreachable, (await store.GetHostStateAsync("h3", CancellationToken.None))!.LastOutcome);
        await AssertOnDiskAsync("h2", _fleet.Heads);
    }

    [Fact]
    public async Task Run_Finished_EverythingCanBeReadBackFromTheStoreFile()
    {
        File.WriteAllText(Path.Combine(_fleet.Basedir("h3"), "break-checkconfig"), "");
        var sut = CreateSut(_fleet.Fleet(), out _);
        var rollout = await sut.RunAsync(_fleet.Plan(), CancellationToken.None);
        _db!.Dispose();
        _db = null;

        using var reopened = new StoreDatabase(_fleet.StorePath);
        var store = new RolloutStore(reopened);

        var saved = (await store.GetAsync(rollout.Id, CancellationToken.None))!;
        Assert.Equal(RolloutState.Failed, saved.State);
        Assert.Equal(_fleet.Heads, saved.Revisions);
        Assert.Equal(["h1", "h2", "h3"], saved.Hosts);
        Assert.Equal(1, saved.CanaryCount);
        Assert.Equal("tester", saved.StartedBy);
        Assert.Equal(_time.GetUtcNow(), saved.StartedAt);
        Assert.Equal(_time.GetUtcNow(), saved.FinishedAt);
        Assert.Equal(rollout.Tally, saved.Tally);
        Assert.Equal([rollout.Id], (await store.LatestAsync(5, CancellationToken.None)).Select(r => r.Id));

        var hosts = (await store.GetHostsAsync(rollout.Id, CancellationToken.None)).ToDictionary(r => r.Host);
        Assert.Equal(3, hosts.Count);
        Assert.Equal(HostOutcome.Ok, hosts["h1"].Outcome);
        Assert.True(hosts["h1"].Canary);
        Assert.Equal(_fleet.Previous, hosts["h1"].Before);
        Assert.Equal(_fleet.Heads, hosts["h1"].After);
        Assert.Equal(["update", "checkconfig", "reconfig"], hosts["h1"].Steps.Select(s => s.Name));
        Assert.Equal("h1\n", File.ReadAllText(Path.Combine(_fleet.Basedir("h1"), "reconfigured")));
        Assert.Contains(_fleet.Heads["configs"], hosts["h1"].Steps[0].Command);
        Assert.All(hosts["h1"].Steps, s => Assert.Equal(0, s.ExitCode));
        Assert.Equal(HostOutcome.Failed, hosts["h3"].Outcome);
        Assert.Equal("checkconfig", hosts["h3"].FailedStep);
        Assert.Equal(1, hosts["h3"].Steps[1].ExitCode);
        Assert.True(hosts["h3"].Restored);

        var state = (await store.GetHostStateAsync("h1", CancellationToken.None))!;
        Assert.Equal(_fleet.Heads, state.Revisions);
        Assert.Equal(HostOutcome.Ok, state.LastOutcome);
        Assert.Equal(rollout.Id, state.LastRolloutId);
        Assert.Equal(_fleet.Previous, (await store.GetHostStateAsync("h3", CancellationToken.None))!.Revisions);
        Assert.Equal(HostOutcome.Failed, (await store.GetHostStateAsync("h3", CancellationToken.None))!.LastOutcome);
        Assert.Empty((await store.WithStateAsync(RolloutState.Running, CancellationToken.None)));
    }

    [Fact]
    public async Task Run_ParallelismTwo_AtMostTwoHostsRunAStepAtOnce()
    {
        using var fleet5 = await template.CreateFleetAsync(hostCount: 5);
        var running = Directory.CreateDirectory(fleet5.Dir.Combine("running")).FullName;
        var counts = fleet5.Dir.Combine("counts");
        // Each host counts the hosts inside the step when it enters and when it leaves. The first two hosts of the wave
        // wait (at most 2 s) to see each other, so the bound is reached for sure; an unbounded rollout would let the
        // others in while they hold their slots, and they would count more than two.
        var slots = $"ls {Q(running)} | wc -l";
        var probe = new StepConfig
        {
            Name = "probe",
            Command = $"touch {Q(running)}/{{host}} && {slots} >> {Q(counts)}"
                + $" && if [ {{host}} = h2 ] || [ {{host}} = h3 ]; then i=0; while [ $({slots}) -lt 2 ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done; fi"
                + $" && sleep 0.2 && {slots} >> {Q(counts)} && rm {Q(running)}/{{host}}",
        };
        var steps = LocalFleetFixture.DefaultSteps.Append(probe).ToArray();
        var sut = fleet5.Runner(fleet5.Fleet(steps, parallelism: 2), new RolloutStore(_db = new StoreDatabase(fleet5.StorePath)), _events, _time);

        var rollout = await sut.RunAsync(fleet5.Plan(), CancellationToken.None);

        Assert.Equal(RolloutState.Succeeded, rollout.State);
        var seen = File.ReadAllLines(counts).Select(l => int.Parse(l.Trim())).ToList();
        Assert.Equal(10, seen.Count);
        Assert.Equal([1, 1], seen.Take(2)); // the canary runs alone
        Assert.Equal(2, seen.Max());
    }

    [Fact]
    public async Task Run_Events_ArePublishedInOrder()
    {
        using var fleet6 = await template.CreateFleetAsync(hostCount: 6);
        var reader = _events.Subscribe();
        var sut = fleet6.Runner(fleet6.Fleet(), new RolloutStore(_db = new StoreDatabase(fleet6.StorePath)), _events, _time);

        var rollout = await sut.RunAsync(fleet6.Plan(), CancellationToken.None);

        var events = new List<DeployerEvent>();
        while (reader.TryRead(out var e)) events.Add(e);
        Assert.IsType<RolloutStarted>(events[0]);
        var finished = Assert.IsType<RolloutFinished>(events[^1]);
        Assert.Equal(rollout.Id, finished.Rollout.Id);
        Assert.Equal(6, finished.Results.Count);
        var hostFinished = events.OfType<HostFinished>().ToList();
        Assert.Equal(Enumerable.Range(1, 6), hostFinished.Select(e => e.Done));
        Assert.All(hostFinished, e => Assert.Equal(6, e.Total));
        Assert.Equal("h1", hostFinished[0].Result.Host);
        foreach (var host in fleet6.HostNames)
        {
            var mine = events.Select((e, i) => (e, i)).Where(x => x.e switch
            {
                HostStarted s => s.Host == host,
                HostStepFinished s => s.Host == host,
                HostFinished f => f.Result.Host == host,
                _ => false,
            }).ToList();
            Assert.IsType<HostStarted>(mine[0].e);
            Assert.Equal(["update", "checkconfig", "reconfig"], mine.Select(x => x.e).OfType<HostStepFinished>().Select(s => s.Step.Name));
            Assert.IsType<HostFinished>(mine[^1].e);
        }
    }

    [Fact]
    public async Task Run_SavingTheRolloutFails_FirstWaveConnectsAreClosedAndNothingRuns()
    {
        var fleet = _fleet.Fleet(canaryCount: 0, parallelism: 2);
        _db ??= new StoreDatabase(_fleet.StorePath);
        var transports = new RecordingTransportFactory(new HostTransportFactory(fleet, _time));
        var sut = new RolloutRunner(fleet, transports, new FailingInsertStore(new RolloutStore(_db)), _events, _time,
            NullLogger<RolloutRunner>.Instance);

        await Assert.ThrowsAsync<IOException>(() => sut.RunAsync(_fleet.Plan(), CancellationToken.None).WaitAsync(Guard));

        Assert.InRange(transports.Opened, 0, 2);
        Assert.Equal(transports.Opened, transports.Closed);
        Assert.Equal(0, transports.Commands);
        foreach (var host in _fleet.HostNames) await AssertOnDiskAsync(host, _fleet.Previous);
    }

    [Fact]
    public async Task Run_Canary_OnlyTheCanaryConnectsBeforeItSucceeds()
    {
        var fleet = _fleet.Fleet(canaryCount: 1);
        _db ??= new StoreDatabase(_fleet.StorePath);
        var transports = new RecordingTransportFactory(new HostTransportFactory(fleet, _time));
        var sut = new RolloutRunner(fleet, transports, new RolloutStore(_db), _events, _time,
            NullLogger<RolloutRunner>.Instance);

        var rollout = await sut.RunAsync(_fleet.Plan(), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(RolloutState.Succeeded, rollout.State);
        Assert.Equal(_fleet.HostNames.Count, transports.Opened);
        Assert.Equal(transports.Opened, transports.Closed);
        Assert.Equal("h1", transports.ConnectOrder[0]);
        Assert.Equal(("h1", 1), transports.FirstClosed);
    }

    [Fact]
    public async Task Run_EarlyConnections_AreTakenOver_EveryHostConnectsOnce()
    {
        var fleet = _fleet.Fleet(canaryCount: 0, parallelism: 2);
        _db ??= new StoreDatabase(_fleet.StorePath);
        var transports = new RecordingTransportFactory(new HostTransportFactory(fleet, _time));
        await using var early = new EarlyConnections(fleet, transports, _time, NullLogger<EarlyConnections>.Instance);
        var sut = new RolloutRunner(fleet, transports, new RolloutStore(_db), _events, _time, NullLogger<RolloutRunner>.Instance, early);

        early.Start(fleet.Hosts);
        var rollout = await sut.RunAsync(_fleet.Plan(), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(RolloutState.Succeeded, rollout.State);
        Assert.Equal(["h1", "h2"], transports.ConnectOrder.Take(2).Order());
        Assert.Equal(_fleet.HostNames, transports.ConnectOrder.Order());
        Assert.Equal((3, 3), (transports.Opened, transports.Closed));
    }

    [Fact]
    public async Task Run_EarlyConnectionsToHostsOutsideThePlan_AreClosedUnused()
    {
        var fleet = _fleet.Fleet(canaryCount: 0);
        _db ??= new StoreDatabase(_fleet.StorePath);
        var transports = new RecordingTransportFactory(new HostTransportFactory(fleet, _time));
        await using var early = new EarlyConnections(fleet, transports, _time, NullLogger<EarlyConnections>.Instance);
        var sut = new RolloutRunner(fleet, transports, new RolloutStore(_db), _events, _time, NullLogger<RolloutRunner>.Instance, early);

        early.Start(fleet.Hosts);
        var rollout = await sut.RunAsync(_fleet.Plan(["h1"]), CancellationToken.None).WaitAsync(Guard);

        Assert.Equal(RolloutState.Succeeded, rollout.State);
        Assert.True(await Poll.UntilAsync(() => Task.FromResult(transports.Closed == 3), Guard));
        Assert.Equal(_fleet.HostNames, transports.ConnectOrder.Order());
        Assert.Equal(3, transports.Opened);
        await AssertOnDiskAsync("h2", _fleet.Previous);
        await AssertOnDiskAsync("h3", _fleet.Previous);
    }

    [Fact]
    public async Task EarlyConnections_NoRollout_AreClosedOnDispose()
    {
        var fleet = _fleet.Fleet(canaryCount: 0);
        var transports = new RecordingTransportFactory(new HostTransportFactory(fleet, _time));
        var early = new EarlyConnections(fleet, transports, _time, NullLogger<EarlyConnections>.Instance);

        early.Start(fleet.Hosts);
        await early.DisposeAsync();
        early.Start(fleet.Hosts);

        Assert.Equal((3, 3, 0), (transports.Opened, transports.Closed, transports.Commands));
    }

    /// <summary>Counts sessions opened and closed and commands run, and records the order of connects.</summary>
    private sealed class RecordingTransportFactory(IHostTransportFactory inner) : IHostTransportFactory
    {
        private int _opened;
        private int _closed;
        private int _commands;

        public int Opened => _opened;

        public int Closed => _closed;

        public int Commands => _commands;

        public List<string> ConnectOrder { get; } = [];

        /// <summary>The first session closed, and how many connects had started by then.</summary>
        public (string Host, int Connects)? FirstClosed { get; private set; }

        public IHostTransport For(HostConfig host) => new RecordingTransport(this, inner.For(host));

        private sealed class RecordingTransport(RecordingTransportFactory owner, IHostTransport inner) : IHostTransport
        {
            public async Task<ConnectResult> ConnectAsync(HostConfig host, CancellationToken cancellationToken)
            {
                lock (owner.ConnectOrder) owner.ConnectOrder.Add(host.Name);
                var result = await inner.ConnectAsync(host, cancellationToken);
                if (result.Session is not { } session) return result;
                Interlocked.Increment(ref owner._opened);
                return ConnectResult.Ok(new Session(owner, host.Name, session));
            }
        }

        private sealed class Session(RecordingTransportFactory owner, string host, IHostSession inner) : IHostSession
        {
            public Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref owner._commands);
                return inner.RunAsync(command, timeout, cancellationToken);
            }

            public ValueTask DisposeAsync()
            {
                lock (owner.ConnectOrder) owner.FirstClosed ??= (host, owner.ConnectOrder.Count);
                Interlocked.Increment(ref owner._closed);
                return inner.DisposeAsync();
            }
        }
    }

    /// <summary>The real store, except that saving a new rollout fails as a full disk would.</summary>
    private sealed class FailingInsertStore(IRolloutStore inner) : DelegatingRolloutStore(inner)
    {
        public override Task<int> InsertAsync(RolloutRecord rollout, IReadOnlyList<HostResult> hosts, CancellationToken cancellationToken) =>
            Task.FromException<int>(new IOException("disk full"));
    }
}
