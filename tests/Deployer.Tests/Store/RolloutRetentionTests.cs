using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>Per-host detail is kept for the newest <c>store.keepRolloutDetail</c> rollouts; every rollout's summary forever.</summary>
public sealed class RolloutRetentionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-retention-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Prune_KeepsTheDetailOfTheNewestRollouts_AndEverySummary()
    {
        using var db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        var store = new RolloutStore(db);
        var retention = new RolloutRetention(db, new StoreOptions { KeepRolloutDetail = 2 });
        for (var i = 0; i < 5; i++)
        {
            var id = await store.InsertAsync(new RolloutRecord { State = RolloutState.Succeeded, Tally = new RolloutTally { Total = 3, Ok = 3 }, Hosts = ["a", "b", "c"] }, CancellationToken.None);
            foreach (var host in new[] { "a", "b", "c" })
                await store.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, host), RolloutId = id, Host = host, Outcome = HostOutcome.Ok }, CancellationToken.None);
        }

        Assert.Equal(9, await retention.PruneAsync(CancellationToken.None));

        var counts = new List<int>();
        for (var id = 1; id <= 5; id++) counts.Add((await store.GetHostsAsync(id, CancellationToken.None)).Count);
        Assert.Equal([0, 0, 0, 3, 3], counts);
        Assert.Equal(5, (await store.LatestAsync(10, CancellationToken.None)).Count);
        Assert.All((await store.LatestAsync(10, CancellationToken.None)), r => Assert.Equal(3, r.Tally?.Ok));
        Assert.Equal(0, await retention.PruneAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Prune_FewerRolloutsThanKept_DeletesNothing()
    {
        using var db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        var store = new RolloutStore(db);
        var retention = new RolloutRetention(db, new StoreOptions());
        Assert.Equal(0, await retention.PruneAsync(CancellationToken.None));
        var id = await store.InsertAsync(new RolloutRecord { State = RolloutState.Succeeded }, CancellationToken.None);
        await store.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, "a"), RolloutId = id, Host = "a" }, CancellationToken.None);

        Assert.Equal(0, await retention.PruneAsync(CancellationToken.None));
        Assert.Single((await store.GetHostsAsync(id, CancellationToken.None)));
    }
}
