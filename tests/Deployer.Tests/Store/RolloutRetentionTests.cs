using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>Per-host detail is kept for the newest <c>store.keepRolloutDetail</c> rollouts; every rollout's summary forever.</summary>
public sealed class RolloutRetentionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-retention-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Prune_KeepsTheDetailOfTheNewestRollouts_AndEverySummary()
    {
        using var db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        var store = new RolloutStore(db);
        var retention = new RolloutRetention(db, new StoreOptions { KeepRolloutDetail = 2 });
        for (var i = 0; i < 5; i++)
        {
            var id = store.Insert(new RolloutRecord { State = RolloutState.Succeeded, Tally = new RolloutTally { Total = 3, Ok = 3 }, Hosts = ["a", "b", "c"] });
            foreach (var host in new[] { "a", "b", "c" })
                store.SaveHost(new HostResult { Id = HostResult.MakeId(id, host), RolloutId = id, Host = host, Outcome = HostOutcome.Ok });
        }

        Assert.Equal(9, retention.Prune());

        Assert.Equal([0, 0, 0, 3, 3], Enumerable.Range(1, 5).Select(id => store.GetHosts(id).Count));
        Assert.Equal(5, store.Latest(10).Count);
        Assert.All(store.Latest(10), r => Assert.Equal(3, r.Tally?.Ok));
        Assert.Equal(0, retention.Prune());
    }

    [Fact]
    public void Prune_FewerRolloutsThanKept_DeletesNothing()
    {
        using var db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        var store = new RolloutStore(db);
        var retention = new RolloutRetention(db, new StoreOptions());
        Assert.Equal(0, retention.Prune());
        var id = store.Insert(new RolloutRecord { State = RolloutState.Succeeded });
        store.SaveHost(new HostResult { Id = HostResult.MakeId(id, "a"), RolloutId = id, Host = "a" });

        Assert.Equal(0, retention.Prune());
        Assert.Single(store.GetHosts(id));
    }
}
