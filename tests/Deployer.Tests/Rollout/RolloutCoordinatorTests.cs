using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Rollout;

public sealed class RolloutCoordinatorTests(LocalFleetTemplate template) : IClassFixture<LocalFleetTemplate>, IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private LocalFleetFixture _fleet = null!;
    private StoreDatabase _db = null!;

    public async Task InitializeAsync()
    {
        _fleet = await template.CreateFleetAsync(hostCount: 2);
        _db = new StoreDatabase(_fleet.StorePath);
    }

    public Task DisposeAsync()
    {
        _db.Dispose();
        _fleet.Dispose();
        return Task.CompletedTask;
    }

    private RolloutCoordinator CreateSut(IRolloutStore store, int keepRolloutDetail) => new(
        _fleet.Runner(_fleet.Fleet(), store, new DeployerEvents(), _time),
        new RepoStore(_db, _time),
        new RolloutRetention(_db, new StoreOptions { KeepRolloutDetail = keepRolloutDetail }),
        NullLogger<RolloutCoordinator>.Instance);

    private static async Task<RolloutRecord> RunAsync(RolloutCoordinator sut, RolloutPlan plan)
    {
        var started = await sut.StartAsync(plan);
        Assert.True(started.Started);
        return (await sut.WhenFinishedAsync())!; // the rollout just started
    }

    [Fact]
    public async Task Finish_OlderThanKeepRolloutDetail_PrunesItsHostResults_KeepsItsSummary()
    {
        var store = new RolloutStore(_db);
        var sut = CreateSut(store, keepRolloutDetail: 1);

        var first = await RunAsync(sut, _fleet.Plan());
        Assert.Equal(2, (await store.GetHostsAsync(first.Id, CancellationToken.None)).Count);

        var second = await RunAsync(sut, _fleet.Plan());

        Assert.Empty(await store.GetHostsAsync(first.Id, CancellationToken.None));
        Assert.Equal(2, (await store.GetHostsAsync(second.Id, CancellationToken.None)).Count);
        var summary = (await store.GetAsync(first.Id, CancellationToken.None))!;
        Assert.Equal((RolloutState.Succeeded, 2), (summary.State, summary.Tally!.Ok));
    }
}
