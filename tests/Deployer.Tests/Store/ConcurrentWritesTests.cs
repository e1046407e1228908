using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>Writes of many stores from many threads on one file (LiteDB #2825 corrupted the free-page list) come back intact.</summary>
public sealed class ConcurrentWritesTests : IDisposable
{
    private const int Threads = 12;
    private const int WritesPerThread = 60;

    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-hammer-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    private string DbPath => Path.Combine(_dir, "chatops.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ManyStoresWrittenFromManyThreads_EverythingReadsBackAfterReopen()
    {
        using (var db = new StoreDatabase(DbPath))
        {
            var rollouts = new RolloutStore(db);
            IRepoStore repos = new RepoStore(db, _time);
            var locks = new LockStore(db);
            var freezes = new FreezeStore(db);
            var outbox = new LiteOutboxStore(db, _time);
            var rolloutId = await rollouts.InsertAsync(new RolloutRecord { StartedBy = "alice", Hosts = ["h"] }, CancellationToken.None);

            using var start = new Barrier(Threads);
            var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
            var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    for (var i = 0; i < WritesPerThread; i++)
                    {
                        var n = $"{t}-{i}";
                        switch (i % 6)
                        {
                            case 0:
                                rollouts.SaveHostAsync(new HostResult { Id = HostResult.MakeId(rolloutId, n), RolloutId = rolloutId, Host = n, Outcome = HostOutcome.Ok, Steps = [new StepResult { Name = "update", StdoutTail = new string('x', 6000 + i) }] }, CancellationToken.None).GetAwaiter().GetResult();
                                break;
                            case 1:
                                rollouts.SaveHostStateAsync(new HostState { Id = n, LastOutcome = HostOutcome.Ok, LastRolloutId = rolloutId }, CancellationToken.None).GetAwaiter().GetResult();
                                break;
                            case 2:
                                repos.RecordMergeAsync(new Merge { Repo = "r" + t, Kind = MergeKind.Push, OldHead = "a" + i, NewHead = "b" + i }, new RepoState { Id = "r" + t, Head = "b" + i }, CancellationToken.None).GetAwaiter().GetResult();
                                break;
                            case 3:
                                locks.SaveAsync(new DeployLock([new Hold { HolderId = "u" + t, HolderName = n, Reason = new string('r', 3000 + i) }]), [], CancellationToken.None).GetAwaiter().GetResult();
                                break;
                            case 4:
                                outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.Chat, "{}", n), CancellationToken.None).GetAwaiter().GetResult();
                                break;
                            default:
                                freezes.AppendAuditAsync(new AuditEntry { Action = "freeze", Detail = n }, CancellationToken.None).GetAwaiter().GetResult();
                                break;
                        }
                    }
                }
                catch (Exception ex)
                {
                    errors.Add(ex);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Empty(errors);
        }

        using var reopened = new StoreDatabase(DbPath);
        var expected = Enumerable.Range(0, Threads).SelectMany(t => Enumerable.Range(0, WritesPerThread).Where(i => i % 6 == 0).Select(i => $"{t}-{i}")).Order().ToList();
        var store = new RolloutStore(reopened);
        Assert.Equal(expected, (await store.GetHostsAsync(1, CancellationToken.None)).Select(r => r.Host).Order());
        Assert.Equal(Threads * Count(4), (await new LiteOutboxStore(reopened, _time).PendingAsync(OutboxKinds.Chat, CancellationToken.None)).Count);
        Assert.Equal(Threads * Count(1), (await store.GetHostStatesAsync(CancellationToken.None)).Count);
        var repoStore = new RepoStore(reopened, _time);
        Assert.Equal(Threads, (await repoStore.GetStatesAsync(CancellationToken.None)).Count);
        for (var t = 0; t < Threads; t++) Assert.Equal(Count(2), (await repoStore.GetLatestMergesAsync("r" + t, 100, CancellationToken.None)).Count);
        // Each save makes the holds exactly its own: the last one wins, whole.
        var hold = Assert.Single((await new LockStore(reopened).LoadAsync(CancellationToken.None)).Holds);
        Assert.Equal(hold.HolderId, "u" + hold.HolderName.Split('-')[0]);
        Assert.Equal(Threads * Count(5), (await new FreezeStore(reopened).ReadAuditAsync(10_000, CancellationToken.None)).Count);
    }

    /// <summary>How many of one thread's writes have index <paramref name="slot"/> (modulo 6).</summary>
    private static int Count(int slot) => Enumerable.Range(0, WritesPerThread).Count(i => (slot == 5 ? i % 6 >= 5 : i % 6 == slot));
}
