using System.Threading.Channels;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Tests.Repos;

/// <summary>
/// The watcher's loop, backoff, triggers and restarts, with a git upstream. Time moves only when a test advances the
/// fake clock, and only while the loop is waiting (signalled by <see cref="RepoWatcher.Waiting"/>).
/// </summary>
public sealed class RepoWatcherLifecycleTests : IDisposable
{
    private const string Repo = RepoWatcherHarness.Repo;
    private static readonly TimeSpan SignalTimeout = TimeSpan.FromSeconds(30);

    private readonly RepoWatcherHarness _h = new(RepoKind.Git);
    private readonly Channel<TimeSpan> _waits = Channel.CreateUnbounded<TimeSpan>();
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        _cts.Dispose();
        _h.Dispose();
    }

    [Fact]
    public async Task Run_PollsAtStartThenEveryInterval()
    {
        await _h.Upstream.InitAsync();
        var sut = CreateSut();

        await sut.StartAsync(_cts.Token);
        Assert.Equal(TimeSpan.FromSeconds(60), await NextWaitAsync());
        Assert.Equal(MergeKind.Baseline, Assert.Single((await _h.AnnounceAsync())).Kind);

        await _h.Upstream.CommitAsync("Bug 121212 - picked up by the timer");
        await _h.Upstream.PushAsync();
        _h.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(TimeSpan.FromSeconds(60), await NextWaitAsync());
        Assert.Equal(MergeKind.Push, Assert.Single((await _h.AnnounceAsync())).Kind);

        await sut.StopAsync(_cts.Token);
    }

    [Fact]
    public async Task Run_WhileRemoteFails_BacksOffExponentiallyAndReportsOnce()
    {
        await _h.Upstream.InitAsync();
        var sut = CreateSut();
        await sut.StartAsync(_cts.Token);
        var wait = await NextWaitAsync();
        await _h.AnnounceAsync();
        _h.Upstream.DeleteUpstream();

        var backoff = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            _h.Time.Advance(wait);
            wait = await NextWaitAsync();
            backoff.Add(wait.TotalSeconds);
        }

        Assert.Equal([120, 240, 300, 300], backoff);
        Assert.IsType<RepoUnreachable>(Assert.Single(_h.Drain()));

        await _h.Upstream.RecreateUpstreamAsync();
        _h.Time.Advance(wait);
        Assert.Equal(TimeSpan.FromSeconds(60), await NextWaitAsync());
        Assert.IsType<RepoRecovered>(Assert.Single(_h.Drain()));

        await sut.StopAsync(_cts.Token);
    }

    [Fact]
    public async Task Run_RepoPollSecondsAndJitter_ShapeTheWait()
    {
        await _h.Upstream.InitAsync();
        var sut = CreateSut(new RepoWatcherOptions { Jitter = 0.1 }, _h.Upstream.Config with { PollSeconds = 10 });

        await sut.StartAsync(_cts.Token);

        // Jitter only shortens the wait: the interval is the most a push waits.
        Assert.InRange((await NextWaitAsync()).TotalSeconds, 9, 10);
        await sut.StopAsync(_cts.Token);
    }

    [Fact]
    public async Task Start_WithUnannouncedMerge_ReplayBeforeStartPublishesItBeforePolling()
    {
        await _h.Upstream.InitAsync();
        await _h.CreateSut().PollNowAsync(Repo);
        var baseline = Assert.IsType<MergeDetected>(Assert.Single(_h.Drain())).Merge; // never announced
        var sut = CreateSut();

        Assert.Equal(1, await _h.ReplayAsync()); // as the bot's start-up does, before the watcher starts
        await sut.StartAsync(_cts.Token);
        await NextWaitAsync();

        var replayed = Assert.IsType<MergeDetected>(Assert.Single(_h.Drain()));
        Assert.True(replayed.Replayed);
        Assert.Equal(baseline.Id, replayed.Merge.Id);
        await sut.StopAsync(_cts.Token);
    }

    [Fact]
    public async Task Restart_AfterTwoPushesWhileDown_AnnouncesEachCommitOnce()
    {
        var initial = await _h.Upstream.InitAsync();
        await _h.CreateSut().PollNowAsync(Repo);
        Assert.Single((await _h.AnnounceAsync()));
        _h.Stop();
        var a = await _h.Upstream.CommitAsync("Bug 111111 - while down, one");
        await _h.Upstream.PushAsync();
        var b = await _h.Upstream.CommitAsync("Bug 222222 - while down, two");
        await _h.Upstream.PushAsync();

        var sut = _h.CreateSut();
        Assert.Equal(0, await _h.ReplayAsync());
        await sut.PollNowAsync(Repo);

        var merge = Assert.Single((await _h.AnnounceAsync()));
        Assert.Equal(MergeKind.Push, merge.Kind);
        Assert.Equal(initial, merge.OldHead);
        Assert.Equal([a, b], merge.Commits.Select(c => c.Rev));

        var again = _h.CreateSut();
        Assert.Equal(0, await _h.ReplayAsync());
        Assert.Equal(PollOutcome.Unchanged, (await again.PollNowAsync(Repo)).Outcome);
        Assert.Empty(_h.Drain());
    }

    [Fact]
    public async Task Restart_BeforeMergeWasAnnounced_RepublishesItOnce()
    {
        await _h.Upstream.InitAsync();
        var sut = _h.CreateSut();
        await sut.PollNowAsync(Repo);
        await _h.AnnounceAsync();
        await _h.Upstream.CommitAsync("Bug 333333 - lands just before the bot dies");
        await _h.Upstream.PushAsync();
        await sut.PollNowAsync(Repo);
        var unannounced = Assert.IsType<MergeDetected>(Assert.Single(_h.Drain())).Merge; // the bot died before posting it

        var restarted = _h.CreateSut();
        Assert.Equal(1, await _h.ReplayAsync());
        var replayed = Assert.IsType<MergeDetected>(Assert.Single(_h.Drain()));
        Assert.True(replayed.Replayed);
        Assert.Equal(unannounced.Id, replayed.Merge.Id);
        Assert.True(await _h.CompleteAsync(replayed.Merge));
        Assert.False(await _h.CompleteAsync(replayed.Merge));
        Assert.Equal(PollOutcome.Unchanged, (await restarted.PollNowAsync(Repo)).Outcome);

        _h.CreateSut();
        Assert.Equal(0, await _h.ReplayAsync());
        Assert.Empty(_h.Drain());
    }

    [Fact]
    public async Task PollNowAsync_ConcurrentTriggers_AreCoalesced()
    {
        await _h.Upstream.InitAsync();
        var sut = CreateSut();
        await sut.PollNowAsync(Repo);
        await _h.AnnounceAsync();
        await _h.Upstream.CommitAsync("Bug 999999 - one push, many webhooks");
        await _h.Upstream.PushAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => sut.PollNowAsync(Repo)));

        // The first trigger starts a poll; the others join the one queued behind it.
        Assert.InRange(results.Distinct().Count(), 1, 2);
        Assert.Equal(MergeKind.Push, Assert.IsType<MergeDetected>(Assert.Single(_h.Drain())).Merge.Kind);
    }

    [Fact]
    public async Task PollNowAsync_UnknownRepo_SaysSo()
    {
        var result = await CreateSut().PollNowAsync("nope");

        Assert.Equal(PollOutcome.UnknownRepo, result.Outcome);
        Assert.Empty(_h.Drain());
    }

    [Fact]
    public async Task GetRepos_BeforeFirstPoll_ListsConfiguredRepoWithoutHead()
    {
        await _h.Upstream.InitAsync();
        var sut = CreateSut();

        var state = Assert.Single((await sut.GetReposAsync(CancellationToken.None)));

        Assert.Equal(Repo, state.Id);
        Assert.Null(state.Head);
        Assert.Empty((await sut.GetHeadsAsync(CancellationToken.None)).Revisions);
    }

    private RepoWatcher CreateSut(RepoWatcherOptions? options = null, RepoConfig? repo = null)
    {
        var sut = _h.CreateSut(options ?? new RepoWatcherOptions { Jitter = 0, PollSeconds = 60, MaxBackoff = TimeSpan.FromMinutes(5), UnreachableAfterFailures = 2 }, repo);
        sut.Waiting += (_, wait) => _waits.Writer.TryWrite(wait);
        return sut;
    }

    private async Task<TimeSpan> NextWaitAsync() => await _waits.Reader.ReadAsync(_cts.Token).AsTask().WaitAsync(SignalTimeout);
}
