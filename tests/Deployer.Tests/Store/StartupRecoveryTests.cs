using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Store;

public sealed class StartupRecoveryTests : IDisposable
{
    private static readonly DateTimeOffset CrashedAt = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _dir = new("recovery");
    private readonly FakeTimeProvider _time = new(CrashedAt);
    private readonly DeployerEvents _events = new();
    private StoreDatabase _db;
    private RolloutStore _store;

    public StartupRecoveryTests()
    {
        _db = new StoreDatabase(Path.Combine(_dir.Path, "chatops.db"));
        _store = new RolloutStore(_db);
    }

    public void Dispose()
    {
        _db.Dispose();
        _dir.Dispose();
    }

    private StartupRecovery CreateSut() => new(new Deployer.Fleet.FleetConfig(), _store, new RepoStore(_db, _time), _events, _time);

    /// <summary>Closes and reopens the store file, as a restarted bot does.</summary>
    private void Restart()
    {
        _db.Dispose();
        _db = new StoreDatabase(Path.Combine(_dir.Path, "chatops.db"));
        _store = new RolloutStore(_db);
    }

    private async Task<int> SaveRolloutAsync(RolloutState state, params (string Host, HostOutcome Outcome)[] hosts)
    {
        var id = await _store.InsertAsync(new RolloutRecord
        {
            State = state, StartedAt = CrashedAt.AddMinutes(-5), StartedBy = "alice", Trigger = RolloutTrigger.DeployNow,
            Revisions = new() { ["configs"] = new string('a', 40) },
            Hosts = hosts.Select(h => h.Host).ToList(), CanaryCount = 1,
            FinishedAt = state == RolloutState.Running ? null : CrashedAt.AddMinutes(-1),
            Tally = state == RolloutState.Running ? null : new RolloutTally { Total = hosts.Length },
        }, CancellationToken.None);
        foreach (var (host, outcome) in hosts)
        {
            await _store.SaveHostAsync(new HostResult
            {
                Id = HostResult.MakeId(id, host), RolloutId = id, Host = host, Role = "master", Outcome = outcome,
                StartedAt = outcome == HostOutcome.Pending ? null : CrashedAt.AddMinutes(-4),
                FinishedAt = outcome is HostOutcome.Pending or HostOutcome.Running ? null : CrashedAt.AddMinutes(-3),
                Steps = outcome == HostOutcome.Pending ? [] : [new StepResult { Name = "update", Status = StepStatus.Ok }],
                Failure = outcome == HostOutcome.Failed ? new HostFailure { Kind = HostFailureKind.Step, Step = "checkconfig", StepStatus = StepStatus.Failed, Detail = "exit 1" } : null,
            }, CancellationToken.None);
        }

        return id;
    }

    [Fact]
    public async Task MarkInterrupted_RolloutLeftRunning_IsInterruptedWithUnfinishedHostsListed()
    {
        var id = await SaveRolloutAsync(RolloutState.Running,
            ("h1", HostOutcome.Ok), ("h2", HostOutcome.Failed), ("h3", HostOutcome.Running), ("h4", HostOutcome.Pending), ("h5", HostOutcome.Unreachable));
        var reader = _events.Subscribe();
        _time.Advance(TimeSpan.FromMinutes(2));
        Restart();

        var found = await CreateSut().MarkInterruptedAsync(CancellationToken.None);

        var interrupted = Assert.Single(found);
        Assert.Equal(id, interrupted.Rollout.Id);
        Assert.Equal(["h3", "h4"], interrupted.UnfinishedHosts);
        var saved = (await _store.GetAsync(id, CancellationToken.None))!;
        Assert.Equal(RolloutState.Interrupted, saved.State);
        Assert.Equal(_time.GetUtcNow(), saved.FinishedAt);
        Assert.Equal(["h3", "h4"], saved.Unfinished);
        Assert.True(reader.TryRead(out var published));
        Assert.Equal(["h3", "h4"], Assert.IsType<RolloutInterrupted>(published).UnfinishedHosts);
    }

    [Fact]
    public async Task MarkInterrupted_TheMergesItCarried_AreDeployed_SoTheNextRolloutDoesNotListThemAgain()
    {
        var (a, b) = (new string('a', 40), new string('b', 40));
        Deployer.Repos.IRepoStore repos = new RepoStore(_db, _time);
        await repos.RecordMergeAsync(new Deployer.Repos.Merge { Repo = "configs", Kind = Deployer.Repos.MergeKind.Baseline, NewHead = a }, new Deployer.Repos.RepoState { Id = "configs", Head = a }, CancellationToken.None);
        await repos.RecordMergeAsync(new Deployer.Repos.Merge { Repo = "configs", Kind = Deployer.Repos.MergeKind.Push, OldHead = a, NewHead = b }, new Deployer.Repos.RepoState { Id = "configs", Head = b }, CancellationToken.None);
        var id = await _store.InsertAsync(new RolloutRecord
        {
            State = RolloutState.Running, StartedAt = CrashedAt, StartedBy = "alice", Revisions = new() { ["configs"] = b }, Hosts = ["h1"],
            Changes = [new RepoChange { Repo = "configs", From = a, To = b }],
        }, CancellationToken.None);
        Assert.NotEmpty(await repos.GetUndeployedAsync("configs", CancellationToken.None));

        await CreateSut().MarkInterruptedAsync(CancellationToken.None);

        Assert.Empty(await repos.GetUndeployedAsync("configs", CancellationToken.None));
        Assert.Equal(id, (await repos.GetLatestMergesAsync("configs", 1, CancellationToken.None))[0].DeployedRolloutId);
    }

    [Fact]
    public async Task MarkInterrupted_HostsThatFinished_AreLeftAsTheyWere()
    {
        var id = await SaveRolloutAsync(RolloutState.Running, ("h1", HostOutcome.Ok), ("h2", HostOutcome.Failed), ("h3", HostOutcome.Running));
        var before = (await _store.GetHostsAsync(id, CancellationToken.None)).ToDictionary(r => r.Host);
        Restart();

        await CreateSut().MarkInterruptedAsync(CancellationToken.None);

        var after = (await _store.GetHostsAsync(id, CancellationToken.None)).ToDictionary(r => r.Host);
        foreach (var host in new[] { "h1", "h2" })
        {
            Assert.Equal(before[host].Outcome, after[host].Outcome);
            Assert.Equal(before[host].Failure, after[host].Failure);
            Assert.Equal(before[host].FinishedAt, after[host].FinishedAt);
            Assert.Equal(before[host].Steps.Select(s => s.Name), after[host].Steps.Select(s => s.Name));
        }
    }

    [Fact]
    public async Task MarkInterrupted_HostCutOffMidRun_IsFailedNotSkipped()
    {
        var id = await SaveRolloutAsync(RolloutState.Running, ("h1", HostOutcome.Ok), ("h2", HostOutcome.Running), ("h3", HostOutcome.Pending));
        Restart();

        await CreateSut().MarkInterruptedAsync(CancellationToken.None);

        var results = (await _store.GetHostsAsync(id, CancellationToken.None)).ToDictionary(r => r.Host);
        // h2 ran steps before the crash: it was touched, so it must not read as "not started".
        Assert.Equal(HostOutcome.Failed, results["h2"].Outcome);
        Assert.Equal(HostFailureKind.InterruptedDuringRun, results["h2"].Failure?.Kind);
        Assert.Equal(["update"], results["h2"].Steps.Select(s => s.Name));
        Assert.Equal(HostOutcome.Skipped, results["h3"].Outcome);
        Assert.Equal(HostFailureKind.InterruptedBeforeStart, results["h3"].Failure?.Kind);
        Assert.All(results.Values, r => Assert.NotNull(r.FinishedAt));
    }

    [Fact]
    public async Task MarkInterrupted_FinishedRollouts_AreUntouched()
    {
        var succeeded = await SaveRolloutAsync(RolloutState.Succeeded, ("h1", HostOutcome.Ok));
        var halted = await SaveRolloutAsync(RolloutState.Halted, ("h1", HostOutcome.Failed), ("h2", HostOutcome.Skipped));
        var reader = _events.Subscribe();

        var found = await CreateSut().MarkInterruptedAsync(CancellationToken.None);

        Assert.Empty(found);
        Assert.False(reader.TryRead(out _));
        Assert.Equal(RolloutState.Succeeded, (await _store.GetAsync(succeeded, CancellationToken.None))!.State);
        Assert.NotNull((await _store.GetAsync(succeeded, CancellationToken.None))!.Tally);
        Assert.Equal(RolloutState.Halted, (await _store.GetAsync(halted, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task MarkInterrupted_NewStore_FindsNothing()
    {
        Assert.Empty((await CreateSut().MarkInterruptedAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task MarkInterrupted_RunningRolloutAmongFinishedOnes_IsFoundAfterReopening()
    {
        await SaveRolloutAsync(RolloutState.Succeeded, ("h1", HostOutcome.Ok));
        var running = await SaveRolloutAsync(RolloutState.Running, ("h1", HostOutcome.Running));
        Restart();

        var found = Assert.Single((await CreateSut().MarkInterruptedAsync(CancellationToken.None)));

        Assert.Equal(running, found.Rollout.Id);
        Assert.Equal(RolloutState.Interrupted, (await _store.GetAsync(running, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task MarkInterrupted_RunTwice_ReportsTheRolloutOnce()
    {
        await SaveRolloutAsync(RolloutState.Running, ("h1", HostOutcome.Running));

        Assert.Single((await CreateSut().MarkInterruptedAsync(CancellationToken.None)));
        Restart();

        Assert.Empty((await CreateSut().MarkInterruptedAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task MarkInterrupted_HostWithoutAnyResult_IsListedAsUnfinished()
    {
        var id = await _store.InsertAsync(new RolloutRecord { State = RolloutState.Running, StartedAt = CrashedAt, Hosts = ["h1", "h2"] }, CancellationToken.None);
        await _store.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, "h1"), RolloutId = id, Host = "h1", Outcome = HostOutcome.Ok }, CancellationToken.None);

        var found = await CreateSut().MarkInterruptedAsync(CancellationToken.None);

        Assert.Equal(["h2"], Assert.Single(found).UnfinishedHosts);
    }
}
