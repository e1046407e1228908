using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>
/// Polls the production branch of every configured repo through its mirror and records what moved: the first head
/// ever seen as a baseline, new commits on top of the old head as a push, anything else as a rewrite. Each merge is
/// saved (with its announce entry) before its <see cref="MergeDetected"/> is published; merges saved but never
/// announced are published again at start (<see cref="Outbox.PendingAnnouncements"/>). Failing remotes are polled
/// with exponential backoff and reported once: lost and back, each saved with its announce entry like a merge.
/// </summary>
public sealed class RepoWatcher : BackgroundService, IRepoStatus
{
    private readonly IRepoStore _store;
    private readonly DeployerEvents _events;
    private readonly TimeProvider _time;
    private readonly ILogger<RepoWatcher> _logger;
    private readonly RepoWatcherOptions _options;
    private readonly Dictionary<string, WatchedRepo> _repos;
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<string> _firstPolled = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _allFirstPolled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IMergeHook> _hooks;

    /// <summary>
    /// Each repo's head as this watcher last saved it. The watcher is the only writer of heads, so what it saved is what
    /// the store holds; the door plans from this copy instead of reading the store back, so a plan can never carry an
    /// older head than the merges it announces (a read-back once returned the previous heads under load).
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _heads = new(StringComparer.Ordinal);
    private bool _disposed;

    public RepoWatcher(
        FleetConfig fleet,
        IRepoStore store,
        DeployerEvents events,
        TimeProvider time,
        ILogger<RepoWatcher> logger,
        RepoWatcherOptions? options = null,
        IEnumerable<IMergeHook>? hooks = null)
    {
        _hooks = hooks?.ToList() ?? [];
        _store = store;
        _events = events;
        _time = time;
        _logger = logger;
        _options = options ?? new RepoWatcherOptions();
        _repos = fleet.Repos.ToDictionary(
            kv => kv.Key,
            kv => new WatchedRepo(
                kv.Key,
                kv.Value,
                RepoMirror.Create(kv.Key, kv.Value, fleet.DataDir, _options.MaxCommitsPerMerge, _options.FetchTimeout, time),
                new BugReferences(kv.Value.BugPattern ?? _options.BugPattern)),
            StringComparer.Ordinal);
    }

    /// <summary>Raised when a repo's loop starts waiting for its next poll, with the wait; lets tests advance time safely.</summary>
    internal event Action<string, TimeSpan>? Waiting;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await base.StopAsync(cancellationToken);
        // Let a poll started by PollNowAsync finish unwinding before the store goes away.
        foreach (var repo in _repos.Values)
        {
            await repo.Gate.WaitAsync(cancellationToken);
            repo.Gate.Release();
        }
    }

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stopping.Cancel();
        base.Dispose();
        _stopping.Dispose();
        foreach (var repo in _repos.Values) repo.Gate.Dispose();
    }

    /// <summary>
    /// Polls <paramref name="repo"/> now (a push webhook calls this). Triggers that arrive before the poll starts share
    /// it; a trigger during a poll gets one more poll after it, since the push may have landed after the fetch began.
    /// The poll runs on the watcher's lifetime; <paramref name="cancellationToken"/> only stops waiting for it.
    /// </summary>
    public Task<PollResult> PollNowAsync(string repo, CancellationToken cancellationToken = default)
    {
        if (!_repos.TryGetValue(repo, out var watched)) return Task.FromResult(PollResult.Unknown(repo));

        TaskCompletionSource<PollResult> queued;
        var mine = false;
        lock (watched.Sync)
        {
            if (watched.Queued is null)
            {
                watched.Queued = new TaskCompletionSource<PollResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                mine = true;
            }

            queued = watched.Queued;
        }

        if (mine) _ = Task.Run(() => RunQueuedAsync(watched, queued), CancellationToken.None);
        return queued.Task.WaitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RepoState>> GetReposAsync(CancellationToken cancellationToken)
    {
        var states = new List<RepoState>(_repos.Count);
        foreach (var r in _repos.Values)
        {
            states.Add(await _store.GetStateAsync(r.Name, cancellationToken) ?? new RepoState { Id = r.Name, Kind = r.Config.Kind, Branch = r.Config.Branch });
        }

        return states;
    }

    public async Task<RepoState?> GetRepoAsync(string repo, CancellationToken cancellationToken) =>
        _repos.TryGetValue(repo, out var r)
            ? await _store.GetStateAsync(repo, cancellationToken) ?? new RepoState { Id = repo, Kind = r.Config.Kind, Branch = r.Config.Branch }
            : null;

    public async Task<IReadOnlyList<Merge>> GetUndeployedMergesAsync(string? repo, CancellationToken cancellationToken) =>
        (await _store.GetUndeployedAsync(repo, cancellationToken)).Where(m => _repos.ContainsKey(m.Repo)).ToList();

    public async Task<RevisionSet> GetHeadsAsync(CancellationToken cancellationToken)
    {
        var heads = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in _repos.Keys)
        {
            var head = _heads.TryGetValue(name, out var saved) ? saved : (await _store.GetStateAsync(name, cancellationToken))?.Head;
            if (head is not null) heads[name] = head;
        }

        return new RevisionSet(heads);
    }

    public FirstPolls FirstPolls
    {
        get
        {
            lock (_firstPolled) return new FirstPolls(_firstPolled.Count, _repos.Count);
        }
    }

    public Task WhenFirstPolledAsync(CancellationToken cancellationToken) =>
        _repos.Count == 0 ? Task.CompletedTask : _allFirstPolled.Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Asks the repo's mirror, and keeps a yes: a commit's parents are part of its identity, so the answer cannot change,
    /// and the policy asks the same question at every tick while hosts lag behind a hold or a quiet window, each time
    /// starting git or hg (hg: half a second of CPU on a busy host). A no is asked again: the descendant may reach the
    /// mirror with the next poll.
    /// </summary>
    public async Task<bool> IsAncestorAsync(string repo, string ancestor, string descendant, CancellationToken cancellationToken)
    {
        if (!_repos.TryGetValue(repo, out var watched)) return false;
        if (watched.IsKnownAncestor(ancestor, descendant)) return true;
        var answer = await watched.Mirror.IsAncestorAsync(ancestor, descendant, cancellationToken);
        if (answer) watched.AddKnownAncestor(ancestor, descendant);
        return answer;
    }

    /// <summary>Polls every repo once, in parallel (the CLI's way to read fresh heads through the mirrors).</summary>
    public async Task<IReadOnlyList<PollResult>> PollAllAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(_repos.Keys.Select(name => PollNowAsync(name, cancellationToken)));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_repos.Values.Select(r => RunLoopAsync(r, stoppingToken)));

    private async Task RunLoopAsync(WatchedRepo repo, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var failures = 0;
            var started = _time.GetTimestamp();
            try
            {
                failures = (await PollNowAsync(repo.Name, stoppingToken)).ConsecutiveFailures;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // Logged where it happened (a bug, since failures are results); the loop must survive it.
            }

            // Polls start an interval apart, however long each took: a push waits at most the interval, then one poll.
            var wait = NextWait(repo, failures) - _time.GetElapsedTime(started);
            if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            var delay = Task.Delay(wait, _time, stoppingToken);
            Waiting?.Invoke(repo.Name, wait);
            try
            {
                await delay;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The poll interval, doubled per consecutive failure up to the max backoff, shortened by the jitter.</summary>
    private TimeSpan NextWait(WatchedRepo repo, int failures)
    {
        var interval = TimeSpan.FromSeconds(repo.Config.PollSeconds ?? _options.PollSeconds);
        var wait = interval;
        if (failures > 0)
        {
            var cap = _options.MaxBackoff > interval ? _options.MaxBackoff : interval;
            wait = TimeSpan.FromTicks((long)Math.Min(cap.Ticks, interval.Ticks * Math.Pow(2, Math.Min(failures, 30))));
        }

        // Only shorter, never longer: pollSeconds is the most a push waits for the poll that finds it.
        var factor = Math.Max(0.1, 1 - (_options.Jitter * Random.Shared.NextDouble()));
        return wait * factor;
    }

    private async Task RunQueuedAsync(WatchedRepo repo, TaskCompletionSource<PollResult> queued)
    {
        try
        {
            await repo.Gate.WaitAsync(_stopping.Token);
            try
            {
                // From here on this poll has started: later triggers queue the next one.
                lock (repo.Sync) repo.Queued = null;
                var started = _time.GetTimestamp();
                var result = await PollOnceAsync(repo, _stopping.Token);
                lock (_firstPolled)
                {
                    _firstPolled.Add(repo.Name);
                    if (_firstPolled.Count == _repos.Count) _allFirstPolled.TrySetResult();
                }

                ReposLog.Polled(_logger, repo.Name, result.Outcome, _time.GetElapsedTime(started).TotalMilliseconds);
                queued.TrySetResult(result);
            }
            finally
            {
                repo.Gate.Release();
            }
        }
        catch (OperationCanceledException)
        {
            lock (repo.Sync)
            {
                if (repo.Queued == queued) repo.Queued = null;
            }

            queued.TrySetCanceled();
        }
        catch (Store.StoreUnwritableException ex)
        {
            // Said once in chat; nothing of the poll was kept, so the next one after the store is writable sees the same.
            ReposLog.PollNotSaved(_logger, repo.Name, ex.Problem);
            queued.TrySetException(ex);
        }
        catch (Exception ex)
        {
            ReposLog.PollCrashed(_logger, ex, repo.Name);
            queued.TrySetException(ex);
        }
    }

    private async Task<PollResult> PollOnceAsync(WatchedRepo repo, CancellationToken cancellationToken)
    {
        var state = await _store.GetStateAsync(repo.Name, cancellationToken) ?? new RepoState { Id = repo.Name, Kind = repo.Config.Kind, Branch = repo.Config.Branch };
        var fetch = await repo.Mirror.FetchAsync(cancellationToken);
        if (!fetch.Ok) return await FailAsync(repo, state, fetch.Error!, cancellationToken); // not Ok means an error

        var head = fetch.Head!; // Ok means Head is set.
        var now = _time.GetUtcNow();
        var isBaseline = state.Head is null || state.Branch != repo.Config.Branch || state.Kind != repo.Config.Kind;
        if (!isBaseline && head == state.Head)
        {
            var unchanged = Succeed(repo, state, now);
            var back = Recovery(state, now);
            await _store.SaveStateAsync(unchanged, back, cancellationToken);
            _heads[repo.Name] = head;
            PublishRecovery(back);
            return new PollResult(repo.Name, PollOutcome.Unchanged, head, null, null, 0);
        }

        var merge = new Merge { Repo = repo.Name, Branch = repo.Config.Branch, NewHead = head, DetectedAt = now, Kind = MergeKind.Baseline };
        if (!isBaseline)
        {
            var oldHead = state.Head!; // not a baseline, so there is a head.
            // Two read-only questions to the mirror, asked at once: each is a git or hg start on the way to the announcement.
            var ancestry = repo.Mirror.IsAncestorAsync(oldHead, head, cancellationToken);
            var newCommits = repo.Mirror.LogAsync(oldHead, head, cancellationToken);
            await Task.WhenAll(ancestry, newCommits);
            var kind = await ancestry ? MergeKind.Push : MergeKind.Rewrite;
            var log = await newCommits;
            // A push must be told commit by commit; the commits a rewrite adds are a courtesy (the old head may be gone).
            if (!log.Ok && kind == MergeKind.Push) return await FailAsync(repo, state, log.Error!, cancellationToken); // not Ok means an error
            var commits = log.Commits.Select(c => c with { Bugs = repo.Bugs.Find(c.Message) }).ToList();
            merge = merge with
            {
                Kind = kind,
                OldHead = oldHead,
                Commits = commits,
                TotalCommits = log.Ok ? log.Total : 0,
                Bugs = BugReferences.Union(commits),
            };
        }

        var newState = Succeed(repo, state, now) with
        {
            Head = head,
            Kind = repo.Config.Kind,
            Branch = repo.Config.Branch,
            LastPushAt = merge.Kind == MergeKind.Baseline ? null : now,
        };
        var recovered = Recovery(state, now);
        var recorded = await _store.RecordMergeAsync(merge, newState, recovered, cancellationToken);
        _heads[repo.Name] = head;
        PublishRecovery(recovered);
        if (merge.Kind == MergeKind.Baseline) ReposLog.Baseline(_logger, repo.Name, merge.Branch, head);
        else ReposLog.Moved(_logger, repo.Name, merge.Kind, merge.OldHead, head, merge.TotalCommits);

        if (recorded.Created)
        {
            foreach (var hook in _hooks) await hook.OnMergeRecordedAsync(recorded.Merge, cancellationToken);
            _events.Publish(new MergeDetected(recorded.Merge));
        }
        else ReposLog.AlreadyRecorded(_logger, repo.Name, head); // saved before the crash; its pending announce entry was replayed at start.
        return new PollResult(repo.Name, PollOutcome.Changed, head, recorded.Merge, null, 0);
    }

    private static RepoState Succeed(WatchedRepo repo, RepoState state, DateTimeOffset now) => state with
    {
        LastPollAt = now,
        LastPollOk = true,
        LastFailure = null,
        LegacyLastError = null,
        StatusSince = state.LastPollOk && state.StatusSince is not null ? state.StatusSince : now,
        ConsecutiveFailures = 0,
    };

    /// <summary>
    /// Whether a run of <paramref name="failures"/> failed polls is an outage people were told about: the unreachable
    /// message goes out with the failure that reaches the threshold, the recovery message with the success after it.
    /// </summary>
    private bool IsReportedOutage(int failures) => failures > 0 && failures >= _options.UnreachableAfterFailures;

    /// <summary>The recovery a successful poll after <paramref name="before"/> announces: only the end of a reported outage.</summary>
    private RepoRecovered? Recovery(RepoState before, DateTimeOffset now) =>
        IsReportedOutage(before.ConsecutiveFailures) ? new RepoRecovered(before.Id, before.StatusSince ?? now, now) : null;

    private void PublishRecovery(RepoRecovered? recovered)
    {
        if (recovered is null) return;
        ReposLog.Recovered(_logger, recovered.Repo, recovered.UnreachableSince);
        _events.Publish(recovered);
    }

    private async Task<PollResult> FailAsync(WatchedRepo repo, RepoState state, RepoFailure error, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var failures = state.ConsecutiveFailures + 1;
        var since = failures > 1 && state.StatusSince is { } s ? s : now;
        // Saved with the state that crosses the threshold, so a crash before the message cannot lose it (replayed at start).
        var unreachable = !IsReportedOutage(state.ConsecutiveFailures) && IsReportedOutage(failures)
            ? new RepoUnreachable(repo.Name, error, since, failures)
            : null;
        await _store.SaveStateAsync(
            state with
            {
                LastPollAt = now,
                LastPollOk = false,
                LastFailure = error,
                LegacyLastError = null,
                StatusSince = since,
                ConsecutiveFailures = failures,
            },
            unreachable,
            cancellationToken);
        ReposLog.PollFailed(_logger, repo.Name, failures, error.Kind, error.Command, error.Detail);
        if (unreachable is not null) _events.Publish(unreachable);
        return new PollResult(repo.Name, PollOutcome.Failed, state.Head, null, error, failures);
    }

    internal sealed class WatchedRepo(string name, RepoConfig config, IRepoMirror mirror, BugReferences bugs)
    {
        public string Name => name;

        public RepoConfig Config => config;

        public IRepoMirror Mirror => mirror;

        public BugReferences Bugs => bugs;

        /// <summary>One poll at a time per repo.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Lock Sync { get; } = new();

        /// <summary>The poll asked for but not yet started, which new triggers join.</summary>
        public TaskCompletionSource<PollResult>? Queued { get; set; }

        // Bounded: forgetting costs one more git or hg run; a fleet asks about a handful of revisions at a time.
        private const int MaxKnownAncestors = 4096;

        private readonly HashSet<(string Ancestor, string Descendant)> _knownAncestors = [];
        private readonly Lock _knownAncestorsLock = new();

        public bool IsKnownAncestor(string ancestor, string descendant)
        {
            lock (_knownAncestorsLock) return _knownAncestors.Contains((ancestor, descendant));
        }

        public void AddKnownAncestor(string ancestor, string descendant)
        {
            lock (_knownAncestorsLock)
            {
                if (_knownAncestors.Count >= MaxKnownAncestors) _knownAncestors.Clear();
                _knownAncestors.Add((ancestor, descendant));
            }
        }
    }
}
