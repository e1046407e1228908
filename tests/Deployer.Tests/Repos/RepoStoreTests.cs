using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Repos;

public sealed class RepoStoreTests : IDisposable
{
    private const string A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string C = "cccccccccccccccccccccccccccccccccccccccc";
    private const string D = "dddddddddddddddddddddddddddddddddddddddd";

    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-repostore-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private StoreDatabase? _db;

    public void Dispose()
    {
        _db?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task MarkDeployed_UpToARevision_MarksThatMergeAndEarlierOnes()
    {
        var sut = CreateSut();
        await RecordAsync(sut, MergeKind.Baseline, null, A);
        var ab = await RecordAsync(sut, MergeKind.Push, A, B);
        var bc = await RecordAsync(sut, MergeKind.Push, B, C);
        var cd = await RecordAsync(sut, MergeKind.Push, C, D);

        var marked = await sut.MarkDeployedAsync("app", C[..12], rolloutId: 7, CancellationToken.None);

        Assert.Equal([ab.Id, bc.Id], marked.Select(m => m.Id));
        Assert.Equal([cd.Id], (await CreateSut().GetUndeployedAsync("app", CancellationToken.None)).Select(m => m.Id));
        var deployed = (await CreateSut().GetMergeAsync(bc.Id, CancellationToken.None))!;
        Assert.True(deployed.Deployed);
        Assert.Equal(7, deployed.DeployedRolloutId);
        Assert.Equal(_time.GetUtcNow(), deployed.DeployedAt);
    }

    [Fact]
    public async Task MarkDeployed_RevisionOfNoPendingMerge_MarksNothing()
    {
        var sut = CreateSut();
        await RecordAsync(sut, MergeKind.Baseline, null, A);
        await RecordAsync(sut, MergeKind.Push, A, B);

        Assert.Empty((await sut.MarkDeployedAsync("app", D, rolloutId: 1, CancellationToken.None)));
        Assert.Empty((await sut.MarkDeployedAsync("other", B, rolloutId: 1, CancellationToken.None)));
        Assert.Single((await sut.GetUndeployedAsync(null, CancellationToken.None)));
    }

    [Fact]
    public async Task GetUndeployed_NeverListsBaselines()
    {
        var sut = CreateSut();
        await RecordAsync(sut, MergeKind.Baseline, null, A);
        var rewrite = await RecordAsync(sut, MergeKind.Rewrite, A, B);

        Assert.Equal([rewrite.Id], (await sut.GetUndeployedAsync(null, CancellationToken.None)).Select(m => m.Id));
    }

    [Fact]
    public async Task RecordMerge_WritesOneAnnounceEntryPerMerge_InOrder()
    {
        var sut = CreateSut();
        var first = await RecordAsync(sut, MergeKind.Baseline, null, A);
        var second = await RecordAsync(sut, MergeKind.Push, A, B);

        var pending = await new LiteOutboxStore(_db!, _time).PendingAsync(ChatOpsReconfig.Deployer.Outbox.OutboxKinds.Announce, CancellationToken.None);
        Assert.Equal([$"merge:{first.Id}", $"merge:{second.Id}"], pending.Select(e => e.Key));
    }

    [Fact]
    public async Task RecordMerge_SameMoveAgainAfterACrash_KeepsTheFirstCopy()
    {
        var sut = CreateSut();
        await RecordAsync(sut, MergeKind.Baseline, null, A);
        var merge = new Merge { Repo = "app", Kind = MergeKind.Push, OldHead = A, NewHead = B };
        var first = await sut.RecordMergeAsync(merge, new RepoState { Id = "app", Head = A }, CancellationToken.None); // as if the crash kept the head at A

        var again = await sut.RecordMergeAsync(merge, new RepoState { Id = "app", Head = B }, CancellationToken.None);

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.Merge.Id, again.Merge.Id);
        Assert.Equal(B, (await sut.GetStateAsync("app", CancellationToken.None))!.Head);
        Assert.Equal(2, (await sut.GetLatestMergesAsync("app", 10, CancellationToken.None)).Count);
    }

    private IRepoStore CreateSut()
    {
        _db?.Dispose();
        _db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        return new RepoStore(_db, _time);
    }

    private static async Task<Merge> RecordAsync(IRepoStore store, MergeKind kind, string? oldHead, string newHead) =>
        (await store.RecordMergeAsync(new Merge { Repo = "app", Branch = "production", Kind = kind, OldHead = oldHead, NewHead = newHead, Commits = [new Commit { Rev = newHead, Summary = "s", Bugs = [123456] }] },
            new RepoState { Id = "app", Head = newHead }, CancellationToken.None)).Merge;
}
