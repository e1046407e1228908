using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>
/// Plans bug comments when a rollout finishes and delivers the outbox: each try is counted in the store before any
/// network call, and a try after one that began (its answer may have been lost, or the bot died after the POST)
/// first reads the bug's recent comments for the rollout's marker, so a comment is posted once. Tracker outages are
/// retried with a growing wait (1 min doubling to 1 h, or the tracker's Retry-After when longer); a missing bug or a refused comment is reported once and dropped.
/// </summary>
public sealed class BugCommentDelivery : BackgroundService
{
    /// <summary>Tries of one comment that fail before the tracker is reported failing in chat.</summary>
    public const int AlarmAfterAttempts = 3;

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromHours(1);

    /// <summary>Slack for clocks: comments read back start this long before the entry was made.</summary>
    private static readonly TimeSpan MarkerSlack = TimeSpan.FromHours(1);

    private readonly BugTrackers _trackers;
    private readonly BugCommentPlanner _planner;
    private readonly IBugCommentOutbox _outbox;
    private readonly DeployerEvents _events;
    private readonly TimeProvider _time;
    private readonly ILogger<BugCommentDelivery> _logger;
    private readonly System.Threading.Channels.ChannelReader<DeployerEvent> _reader;

    internal BugCommentDelivery(
        BugTrackers trackers,
        BugCommentPlanner planner,
        IBugCommentOutbox outbox,
        DeployerEvents events,
        TimeProvider time,
        ILogger<BugCommentDelivery> logger)
    {
        _trackers = trackers;
        _planner = planner;
        _outbox = outbox;
        _events = events;
        _time = time;
        _logger = logger;
        // Subscribed at construction: a rollout finishing before the loop starts is not missed. Without trackers
        // nothing reads events, so nothing subscribes (an unread subscription would keep every event).
        _reader = trackers.Options.Count > 0 ? events.Subscribe() : System.Threading.Channels.Channel.CreateUnbounded<DeployerEvent>().Reader;
    }

    /// <summary>Raised after each pass over the due entries (tests wait on it).</summary>
    internal event Action? Passed;

    /// <summary>Delivers every entry due now, one after another; returns how many were sent.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var sent = 0;
        foreach (var entry in await _outbox.DueAsync(_time.GetUtcNow(), cancellationToken))
        {
            if (await DeliverAsync(entry, cancellationToken)) sent++;
        }

        return sent;
    }

    /// <summary>Plans the comments of rollouts finished (or marked interrupted) since the last pass.</summary>
    public async Task<int> PlanFinishedAsync(CancellationToken cancellationToken)
    {
        var planned = 0;
        while (_reader.TryRead(out var e))
        {
            if (e is RolloutFinished f) planned += await _planner.PlanAsync(f.Rollout, f.Results, cancellationToken);
            else if (e is RolloutInterrupted i) planned += await _planner.PlanInterruptedAsync(i.Rollout, cancellationToken);
        }

        return planned;
    }

    public override void Dispose()
    {
        _events.Unsubscribe(_reader);
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_trackers.Options.Count == 0) return;
        await Task.Yield();
        await _planner.CatchUpAfterRestartAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PlanFinishedAsync(stoppingToken);
                await DeliverDueAsync(stoppingToken);
                Passed?.Invoke();
                await WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                BugsLog.LoopFailed(_logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(30), _time, stoppingToken);
            }
        }
    }

    /// <summary>Until the next entry is due or an event arrives.</summary>
    private async Task WaitAsync(CancellationToken stoppingToken)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var next = (await _outbox.PendingAsync(stoppingToken)).Select(e => (DateTimeOffset?)e.NextAttemptAt).Min();
        var delay = next is null ? Timeout.InfiniteTimeSpan : next.Value - _time.GetUtcNow() is var d && d > TimeSpan.Zero ? d : TimeSpan.Zero;
        var timer = Task.Delay(delay, _time, wake.Token);
        var arrived = _reader.WaitToReadAsync(wake.Token).AsTask();
        await Task.WhenAny(timer, arrived);
        await wake.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
    }

    private async Task<bool> DeliverAsync(BugCommentEntry entry, CancellationToken cancellationToken)
    {
        var options = _trackers.Options.GetValueOrDefault(entry.Tracker);
        var client = _trackers.Client(entry.Tracker);
        if (options is null || client is null)
        {
            await DropAsync(entry, new BugCommentDrop(BugCommentDropReason.TrackerRemoved), cancellationToken);
            return false;
        }

        if (options.DryRun)
        {
            BugsLog.DryRun(_logger, entry.Tracker, entry.Bug, entry.RolloutId, entry.Text);
            await _outbox.MarkSentAsync(entry, _time.GetUtcNow(), BugCommentDelivered.DryRun, cancellationToken);
            return true;
        }

        // A try that began before may have posted (its answer lost, or the bot killed after the POST): look first.
        var lookFirst = entry.Begun || entry.Attempts > 0;
        if (!entry.Begun) await _outbox.MarkBegunAsync(entry, cancellationToken); // in the store before the network
        var attempt = entry.Attempts + 1;
        try
        {
            if (!lookFirst)
            {
                await client.EnsureExistsAsync(entry.Bug, cancellationToken);
            }
            else
            {
                var marker = BugComment.Marker(entry.RolloutId);
                var comments = await client.CommentsSinceAsync(entry.Bug, entry.CreatedAt - MarkerSlack, cancellationToken);
                if (comments.Any(c => c.Contains(marker, StringComparison.Ordinal)))
                {
                    BugsLog.AlreadyThere(_logger, entry.Tracker, entry.Bug, entry.RolloutId);
                    await DeliveredAsync(entry, BugCommentDelivered.FoundOnBug, cancellationToken);
                    return true;
                }
            }

            await client.PostCommentAsync(entry.Bug, entry.Text, cancellationToken);
            BugsLog.Posted(_logger, entry.Tracker, entry.Bug, entry.RolloutId, attempt);
            await DeliveredAsync(entry, BugCommentDelivered.Posted, cancellationToken);
            return true;
        }
        catch (BugTrackerException ex) when (ex.Failure == BugFailure.Unavailable)
        {
            // A tracker that said how long to wait (429 or 503 with a Retry-After past what one try waits out) gets at least
            // that, up to the longest backoff.
            var wait = ex.RetryAfter is { } after && after > Backoff(attempt) ? (after < MaxRetry ? after : MaxRetry) : Backoff(attempt);
            var next = _time.GetUtcNow() + wait;
            await _outbox.MarkAttemptFailedAsync(entry, ex.Problem, next, cancellationToken);
            BugsLog.Retrying(_logger, entry.Tracker, entry.Bug, entry.RolloutId, attempt, next, ex.Problem);
            if (attempt >= AlarmAfterAttempts && await _outbox.TryRaiseFailingAsync(entry.Tracker, _time.GetUtcNow(), cancellationToken))
            {
                var waiting = (await _outbox.PendingAsync(cancellationToken)).Count(e => e.Tracker == entry.Tracker);
                _events.Publish(new BugTrackerFailing(entry.Tracker, ex.Problem, waiting));
            }

            return false;
        }
        catch (BugTrackerException ex)
        {
            var reason = ex.Failure == BugFailure.Missing ? BugCommentDropReason.BugMissing : BugCommentDropReason.Refused;
            await DropAsync(entry, new BugCommentDrop(reason, ex.Problem), cancellationToken);
            return false;
        }
    }

    private async Task DeliveredAsync(BugCommentEntry entry, BugCommentDelivered how, CancellationToken cancellationToken)
    {
        await _outbox.MarkSentAsync(entry, _time.GetUtcNow(), how, cancellationToken);
        if (await _outbox.TryClearFailingAsync(entry.Tracker, cancellationToken)) _events.Publish(new BugTrackerRecovered(entry.Tracker, 1));
    }

    private async Task DropAsync(BugCommentEntry entry, BugCommentDrop drop, CancellationToken cancellationToken)
    {
        await _outbox.MarkFailedAsync(entry, drop, cancellationToken);
        BugsLog.Dropped(_logger, entry.Tracker, entry.Bug, entry.RolloutId, drop.Reason, drop.Problem);
        _events.Publish(new BugCommentDropped(entry with { State = BugCommentState.Failed, LastProblem = null, LegacyLastError = null, Dropped = drop }, drop));
    }

    /// <summary>1 min after the first failed try, doubling, at most 1 h.</summary>
    internal static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxRetry.Ticks, FirstRetry.Ticks << Math.Min(attempt - 1, 10)));
}
