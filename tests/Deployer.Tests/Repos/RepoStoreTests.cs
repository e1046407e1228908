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
    public void MarkDeployed_UpToARevision_MarksThatMergeAndEarlierOnes()
    {
        var sut = CreateSut();
        Record(sut, MergeKind.Baseline, null, A);
        var ab = Record(sut, MergeKind.Push, A, B);
        var bc = Record(sut, MergeKind.Push, B, C);
        var cd = Record(sut, MergeKind.Push, C, D);

        var marked = sut.MarkDeployed("app", C[..12], rolloutId: 7);

        Assert.Equal([ab.Id, bc.Id], marked.Select(m => m.Id));
        Assert.Equal([cd.Id], CreateSut().GetUndeployed("app").Select(m => m.Id));
        var deployed = CreateSut().GetMerge(bc.Id)!;
        Assert.True(deployed.Deployed);
        Assert.Equal(7, deployed.DeployedRolloutId);
        Assert.Equal(_time.GetUtcNow(), deployed.DeployedAt);
    }

    [Fact]
    public void MarkDeployed_RevisionOfNoPendingMerge_MarksNothing()
    {
        var sut = CreateSut();
        Record(sut, MergeKind.Baseline, null, A);
        Record(sut, MergeKind.Push, A, B);

        Assert.Empty(sut.MarkDeployed("app", D, rolloutId: 1));
        Assert.Empty(sut.MarkDeployed("other", B, rolloutId: 1));
        Assert.Single(sut.GetUndeployed());
    }

    [Fact]
    public void GetUndeployed_NeverListsBaselines()
    {
        var sut = CreateSut();
        Record(sut, MergeKind.Baseline, null, A);
        var rewrite = Record(sut, MergeKind.Rewrite, A, B);

        Assert.Equal([rewrite.Id], sut.GetUndeployed().Select(m => m.Id));
    }

    [Fact]
    public async Task RecordMerge_WritesOneAnnounceEntryPerMerge_InOrder()
    {
        var sut = CreateSut();
        var first = Record(sut, MergeKind.Baseline, null, A);
        var second = Record(sut, MergeKind.Push, A, B);

        var pending = await new LiteOutboxStore(_db!, _time).PendingAsync(ChatOpsReconfig.Deployer.Outbox.OutboxKinds.Announce, CancellationToken.None);
        Assert.Equal([$"merge:{first.Id}", $"merge:{second.Id}"], pending.Select(e => e.Key));
    }

    [Fact]
    public void RecordMerge_SameMoveAgainAfterACrash_KeepsTheFirstCopy()
    {
        var sut = CreateSut();
        Record(sut, MergeKind.Baseline, null, A);
        var merge = new Merge { Repo = "app", Kind = MergeKind.Push, OldHead = A, NewHead = B };
        var first = sut.RecordMerge(merge, new RepoState { Id = "app", Head = A }); // as if the crash kept the head at A

        var again = sut.RecordMerge(merge, new RepoState { Id = "app", Head = B });

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.Merge.Id, again.Merge.Id);
        Assert.Equal(B, sut.GetState("app")!.Head);
        Assert.Equal(2, sut.GetLatestMerges("app", 10).Count);
    }

    private RepoStore CreateSut()
    {
        _db?.Dispose();
        _db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        return new RepoStore(_db, _time);
    }

    private static Merge Record(RepoStore store, MergeKind kind, string? oldHead, string newHead) =>
        store.RecordMerge(
            new Merge { Repo = "app", Branch = "production", Kind = kind, OldHead = oldHead, NewHead = newHead, Commits = [new Commit { Rev = newHead, Summary = "s", Bugs = [123456] }] },
            new RepoState { Id = "app", Head = newHead }).Merge;
}
