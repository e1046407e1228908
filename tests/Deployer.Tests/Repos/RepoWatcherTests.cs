using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Deployer.Tests.Repos;

/// <summary>
/// What one poll finds, against real repositories: every test runs once with git (<see cref="GitRepoWatcherTests"/>)
/// and once with hg (<see cref="HgRepoWatcherTests"/>), calling <see cref="RepoWatcher.PollNowAsync"/> directly.
/// The loop, triggers and restarts, which do not depend on the kind of repo, are in <see cref="RepoWatcherLifecycleTests"/>.
/// </summary>
public abstract class RepoWatcherTests(RepoKind kind) : IDisposable
{
    private const string Repo = RepoWatcherHarness.Repo;

    private readonly RepoWatcherHarness _h = new(kind, UpstreamTemplates.Shared);

    private RepoStore Store => _h.Store;

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Poll_FirstEver_PublishesBaselineOnly()
    {
        var initial = await _h.Upstream.InitAsync();
        var sut = CreateSut();

        var result = await sut.PollNowAsync(Repo);

        Assert.Equal(PollOutcome.Changed, result.Outcome);
        var merge = Assert.IsType<MergeDetected>(Assert.Single(Drain())).Merge;
        Assert.Equal(MergeKind.Baseline, merge.Kind);
        Assert.Null(merge.OldHead);
        Assert.Equal(initial, merge.NewHead);
        Assert.Empty(merge.Commits);
        Assert.Empty((await sut.GetUndeployedMergesAsync(null, CancellationToken.None)));
        var state = (await sut.GetRepoAsync(Repo, CancellationToken.None))!;
        Assert.Equal(initial, state.Head);
        Assert.Null(state.LastPushAt);
        Assert.True(state.LastPollOk);
        Assert.Equal(initial, (await sut.GetHeadsAsync(CancellationToken.None))[Repo]);
    }

    [Fact]
    public async Task Poll_AfterThreeCommitsPushed_PublishesOneMergeOldestFirst()
    {
        var initial = await _h.Upstream.InitAsync();
        var sut = CreateSut();
        await sut.PollNowAsync(Repo);
        await AnnounceAsync();
        var first = await _h.Upstream.CommitAsync("Bug 123456 - first fix", "Alice Example <alice@example.com>");
        var second = await _h.Upstream.CommitAsync("Fix bug-2345678 and Bug 123456 again\n\nBody line", "Bob Builder <bob@example.com>");
        var third = await _h.Upstream.CommitAsync("No bug here (bug 12)", "Carol <carol@example.com>");
        await _h.Upstream.PushAsync();
        _h.Time.Advance(TimeSpan.FromMinutes(5));

        var result = await sut.PollNowAsync(Repo);

        Assert.Equal(PollOutcome.Changed, result.Outcome);
        var merge = Assert.IsType<MergeDetected>(Assert.Single(Drain())).Merge;
        Assert.Equal(MergeKind.Push, merge.Kind);
        Assert.Equal(initial, merge.OldHead);
        Assert.Equal(third, merge.NewHead);
        Assert.Equal([first, second, third], merge.Commits.Select(c => c.Rev));
        Assert.Equal(["Alice Example", "Bob Builder", "Carol"], merge.Commits.Select(c => c.Author));
        Assert.Equal("bob@example.com", merge.Commits[1].AuthorEmail);
        Assert.Equal("Fix bug-2345678 and Bug 123456 again", merge.Commits[1].Summary);
        Assert.Equal([2345678, 123456], merge.Commits[1].Bugs);
        Assert.Empty(merge.Commits[2].Bugs);
        Assert.Equal([123456, 2345678], merge.Bugs);
        Assert.Equal(3, merge.TotalCommits);
        Assert.Equal(_h.Time.GetUtcNow(), merge.DetectedAt);
        Assert.Equal(_h.Time.GetUtcNow(), (await sut.GetRepoAsync(Repo, CancellationToken.None))!.LastPushAt);
        Assert.Equal(merge.Id, Assert.Single((await sut.GetUndeployedMergesAsync(null, CancellationToken.None))).Id);
    }

    [Fact]
    public async Task Poll_SameHeadAgain_PublishesNothing()
    {
        await _h.Upstream.InitAsync();
        var sut = CreateSut();
        await sut.PollNowAsync(Repo);
        await AnnounceAsync();
        await _h.Upstream.PushAsync();

        var result = await sut.PollNowAsync(Repo);

        Assert.Equal(PollOutcome.Unchanged, result.Outcome);
        Assert.Empty(Drain());
    }

    [Fact]
    public async Task Poll_AfterHistoryRewritten_PublishesRewriteAndContinuesFromNewHead()
    {
        await _h.Upstream.InitAsync();
        var doomed = await _h.Upstream.CommitAsync("Bug 444444 - to be dropped");
        await _h.Upstream.PushAsync();
        var sut = CreateSut();
        await sut.PollNowAsync(Repo);
        await AnnounceAsync();

        var replacement = await _h.Upstream.RewriteLastAsync("Bug 555555 - the replacement");
        var rewrite = (await sut.PollNowAsync(Repo)).Merge!;

        Assert.Equal(MergeKind.Rewrite, rewrite.Kind);
        Assert.Equal(doomed, rewrite.OldHead);
        Assert.Equal(replacement, rewrite.NewHead);
        Assert.Equal([replacement], rewrite.Commits.Select(c => c.Rev));
        Assert.Equal([555555], rewrite.Bugs);
        Assert.Equal(rewrite.Id, Assert.Single(await AnnounceAsync()).Id);

        var next = await _h.Upstream.CommitAsync("Bug 666666 - on top of the rewrite");
        await _h.Upstream.PushAsync();
        var push = (await sut.PollNowAsync(Repo)).Merge!;
        Assert.Equal(MergeKind.Push, push.Kind);
        Assert.Equal(replacement, push.OldHead);
        Assert.Equal([next], push.Commits.Select(c => c.Rev));
        Assert.Equal([rewrite.Id, push.Id], (await sut.GetUndeployedMergesAsync(null, CancellationToken.None)).Select(m => m.Id));
    }

    [Fact]
    public async Task Poll_WhileUpstreamIsGone_ReportsUnreachableOnceThenRecovers()
    {
        await _h.Upstream.InitAsync();
        var sut = CreateSut();
        await sut.PollNowAsync(Repo);
        await AnnounceAsync();
        _h.Upstream.DeleteUpstream();
        var downSince = _h.Time.GetUtcNow();

        var results = new List<PollResult>();
        for (var i = 0; i < 3; i++)
        {
            results.Add(await sut.PollNowAsync(Repo));
            _h.Time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.All(results, r => Assert.Equal(PollOutcome.Failed, r.Outcome));
        Assert.Equal([1, 2, 3], results.Select(r => r.ConsecutiveFailures));
        var unreachable = Assert.IsType<RepoUnreachable>(Assert.Single(Drain()));
        Assert.Equal(Repo, unreachable.Repo);
        Assert.Equal(downSince, unreachable.Since);
        Assert.Equal(RepoFailureKind.RemoteFailed, unreachable.Error.Kind);
        Assert.Contains(unreachable.Error.Command, new[] { "git fetch", "hg identify" });
        Assert.False(string.IsNullOrWhiteSpace(unreachable.Error.Detail)); // git's or hg's own line, not ours
        var state = (await sut.GetRepoAsync(Repo, CancellationToken.None))!;
        Assert.False(state.LastPollOk);
        Assert.Equal(downSince, state.StatusSince);

        await _h.Upstream.RecreateUpstreamAsync();
        var added = await _h.Upstream.CommitAsync("Bug 777777 - pushed after the server came back");
        await _h.Upstream.PushAsync();
        var recovered = await sut.PollNowAsync(Repo);

        Assert.Equal(PollOutcome.Changed, recovered.Outcome);
        var events = Drain();
        Assert.Equal(2, events.Count);
        var back = Assert.IsType<RepoRecovered>(events[0]);
        Assert.Equal(downSince, back.UnreachableSince);
        var merge = Assert.IsType<MergeDetected>(events[1]).Merge;
        Assert.Equal(MergeKind.Push, merge.Kind);
        Assert.Equal([added], merge.Commits.Select(c => c.Rev));
        Assert.True((await sut.GetRepoAsync(Repo, CancellationToken.None))!.LastPollOk);
        Assert.Equal(PollOutcome.Unchanged, (await sut.PollNowAsync(Repo)).Outcome);
        Assert.Empty(Drain());
    }

    [Fact]
    public async Task Poll_UpstreamRecreatedWithOtherHistory_PublishesRecoveryThenRewrite()
    {
        var initial = await _h.Upstream.InitAsync();
        var sut = CreateSut();
        await sut.PollNowAsync(Repo);
        await AnnounceAsync();
        _h.Upstream.DeleteAll();
        await sut.PollNowAsync(Repo);
        await sut.PollNowAsync(Repo);
        Assert.IsType<RepoUnreachable>(Assert.Single(Drain()));

        var fresh = await _h.Upstream.InitAsync("A new beginning");
        await sut.PollNowAsync(Repo);

        var events = Drain();
        Assert.Equal(2, events.Count);
        Assert.IsType<RepoRecovered>(events[0]);
        var rewrite = Assert.IsType<MergeDetected>(events[1]).Merge;
        Assert.Equal(MergeKind.Rewrite, rewrite.Kind);
        Assert.Equal(initial, rewrite.OldHead);
        Assert.Equal(fresh, rewrite.NewHead);
    }

    [Theory]
    [InlineData("directory")]
    [InlineData("file")]
    public async Task Poll_UrlIsNotARepository_FailsClearly(string what)
    {
        var url = Path.Combine(_h.Root, "not-a-repo");
        if (what == "file")
        {
            await File.WriteAllTextAsync(url, "<html>this is not a repository</html>\n");
        }
        else
        {
            Directory.CreateDirectory(url);
            await File.WriteAllTextAsync(Path.Combine(url, "README"), "garbage\0\u001f\x1e");
        }

        var sut = CreateSut(repo: _h.Upstream.Config with { Url = url });

        var first = await sut.PollNowAsync(Repo);
        var second = await sut.PollNowAsync(Repo);

        Assert.Equal(PollOutcome.Failed, first.Outcome);
        Assert.Equal(RepoFailureKind.RemoteFailed, first.Error!.Kind);
        Assert.False(string.IsNullOrWhiteSpace(first.Error.Detail));
        Assert.DoesNotContain("\n", first.Error.Detail, StringComparison.Ordinal);
        Assert.Equal(first.Error, Assert.IsType<RepoUnreachable>(Assert.Single(Drain())).Error);
        Assert.Equal(2, second.ConsecutiveFailures);
        Assert.Null((await sut.GetRepoAsync(Repo, CancellationToken.None))!.Head);
    }

    [Fact]
    public async Task Poll_MirrorCorrupted_RecreatesMirrorAndCarriesOn()
    {
        var initial = await _h.Upstream.InitAsync();
        await CreateSut().PollNowAsync(Repo);
        await AnnounceAsync();
        Directory.Delete(_h.MirrorPath, recursive: true);
        await File.WriteAllTextAsync(_h.MirrorPath, "not a mirror");
        var added = await _h.Upstream.CommitAsync("Bug 888888 - after the disk hiccup");
        await _h.Upstream.PushAsync();

        var result = await CreateSut().PollNowAsync(Repo);

        Assert.Equal(PollOutcome.Changed, result.Outcome);
        Assert.Equal(initial, result.Merge!.OldHead);
        Assert.Equal([added], result.Merge.Commits.Select(c => c.Rev));
        Assert.True(Directory.Exists(_h.MirrorPath));
    }

    [Fact]
    public async Task Poll_ThousandCommitMerge_RecordsAllOldestFirst()
    {
        await _h.Upstream.InitWithManyPendingAsync(1000);
        var sut = CreateSut();
        await sut.PollNowAsync(Repo);
        await AnnounceAsync();
        await _h.Upstream.PushAsync();
        var head = await _h.Upstream.HeadAsync();

        var merge = (await sut.PollNowAsync(Repo)).Merge!;

        Assert.Equal(MergeKind.Push, merge.Kind);
        Assert.Equal(1000, merge.Commits.Count);
        Assert.Equal(1000, merge.TotalCommits);
        Assert.Equal(head, merge.Commits[^1].Rev);
        Assert.Equal(1000, merge.Commits.Select(c => c.Rev).Distinct().Count());
        Assert.True(merge.Commits.Zip(merge.Commits.Skip(1)).All(p => p.First.AuthoredAt < p.Second.AuthoredAt));
        Assert.EndsWith("1", merge.Commits[0].Summary, StringComparison.Ordinal);
        Assert.EndsWith("1000", merge.Commits[^1].Summary, StringComparison.Ordinal);
        Assert.Equal(1000, (await CreateSut().GetUndeployedMergesAsync(null, CancellationToken.None)).Single().Commits.Count); // and it survives the store
    }

    [Fact]
    public async Task Poll_MoreCommitsThanTheCap_KeepsTheNewestAndCountsAll()
    {
        await _h.Upstream.InitAsync();
        var sut = CreateSut(new RepoWatcherOptions { MaxCommitsPerMerge = 2 });
        await sut.PollNowAsync(Repo);
        await AnnounceAsync();
        var revs = new List<string>();
        for (var i = 1; i <= 4; i++) revs.Add(await _h.Upstream.CommitAsync($"Bug {100000 + i} - change {i}"));
        await _h.Upstream.PushAsync();

        var merge = (await sut.PollNowAsync(Repo)).Merge!;

        Assert.Equal(4, merge.TotalCommits);
        Assert.Equal(revs[2..], merge.Commits.Select(c => c.Rev));
    }

    [Fact]
    public async Task IsAncestor_AYesIsKept_ANoIsAskedAgain()
    {
        var initial = await _h.Upstream.InitAsync();
        var sut = CreateSut();
        await sut.PollNowAsync(Repo);
        await AnnounceAsync();
        var next = await _h.Upstream.CommitAsync("Bug 123456 - next");
        await _h.Upstream.PushAsync();

        // Not in the mirror until the next poll: no, and asked again once it is.
        Assert.False(await sut.IsAncestorAsync(Repo, initial, next, CancellationToken.None));
        await sut.PollNowAsync(Repo);
        Assert.True(await sut.IsAncestorAsync(Repo, initial, next, CancellationToken.None));

        // The policy asks again at every tick while hosts lag: the yes is kept, so not even a lost mirror is asked.
        Directory.Delete(_h.MirrorPath, recursive: true);
        Assert.True(await sut.IsAncestorAsync(Repo, initial, next, CancellationToken.None));
        Assert.False(await sut.IsAncestorAsync(Repo, next, initial, CancellationToken.None));
    }

    [Fact]
    public async Task Poll_MessageWithMentionsBackticksAndNewlines_IsStoredVerbatim()
    {
        const string message = "Bug 456789 - @everyone look: `rm -rf /`\n\n```\n<@&1234> @here\n```\n\ttab, ünïcødé 🚀, \u001f unit separator";
        await _h.Upstream.InitAsync();
        var sut = CreateSut();
        await sut.PollNowAsync(Repo);
        await AnnounceAsync();
        await _h.Upstream.CommitAsync(message, "Mallory @everyone <mallory@example.com>");
        await _h.Upstream.PushAsync();

        var id = (await sut.PollNowAsync(Repo)).Merge!.Id;
        var stored = (await CreateSut().GetUndeployedMergesAsync(null, CancellationToken.None)).Single(m => m.Id == id).Commits.Single();

        Assert.Equal(message, stored.Message);
        Assert.Equal("Bug 456789 - @everyone look: `rm -rf /`", stored.Summary);
        Assert.Equal("Mallory @everyone", stored.Author);
        Assert.Equal([456789], stored.Bugs);
    }

    private RepoWatcher CreateSut(RepoWatcherOptions? options = null, RepoConfig? repo = null) => _h.CreateSut(options, repo);

    private List<DeployerEvent> Drain() => _h.Drain();

    private Task<List<Merge>> AnnounceAsync() => _h.AnnounceAsync();
}

public sealed class GitRepoWatcherTests() : RepoWatcherTests(RepoKind.Git);

public sealed class HgRepoWatcherTests() : RepoWatcherTests(RepoKind.Hg);
