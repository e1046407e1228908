using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>
/// The bot's Prometheus metrics, in a registry of its own (not prometheus-net's static default, so each bot in a test
/// process has its own). Fleet gauges are refreshed from a <see cref="StatusView"/> at each scrape; rollout and step
/// counters follow the <see cref="DeployerEvents"/>.
/// </summary>
internal sealed class BotMetrics
{
    public BotMetrics(StatusCache status, IRepoStatus repos)
    {
        var f = Metrics.WithCustomRegistry(Registry);
        InSync = f.CreateGauge("chatops_host_in_sync", "1 when the host runs every production head of its repos, else 0", "host", "role");
        Behind = f.CreateGauge("chatops_host_behind_seconds", "Seconds since the newest production head the host lacks was first seen; 0 in sync", "host", "role");
        Rollouts = f.CreateCounter("chatops_rollouts_total", "Rollouts finished by this process, by outcome", "outcome");
        RolloutSeconds = f.CreateHistogram("chatops_rollout_duration_seconds", "Rollout wall time, by outcome",
            new HistogramConfiguration { LabelNames = ["outcome"], Buckets = Histogram.ExponentialBuckets(5, 2, 10) });
        StepSeconds = f.CreateHistogram("chatops_step_duration_seconds", "Duration of each host step, by step name and status",
            new HistogramConfiguration { LabelNames = ["step", "status"], Buckets = Histogram.ExponentialBuckets(0.05, 2, 14) });
        HoldsActive = f.CreateGauge("chatops_holds_active", "Active holds on the deploy lock");
        PollFailures = f.CreateGauge("chatops_repo_poll_consecutive_failures", "Failed polls in a row per repo (0 when the last poll succeeded)", "repo");
        OutboxDepth = f.CreateGauge("chatops_outbox_depth", "Chat messages waiting in the outbox");
        Leader = f.CreateGauge("chatops_leader", "1 while this bot leads (always, alone on its store), 0 on a standby", "instance");
        EtaError = f.CreateHistogram("chatops_live_eta_error_seconds", "Live time minus the estimate made when the merge was seen (negative: earlier than estimated)",
            new HistogramConfiguration { Buckets = [-3600, -1800, -900, -300, -120, -60, -30, 0, 30, 60, 120, 300, 900, 1800, 3600] });
        Registry.AddBeforeCollectCallback(async ct =>
        {
            Refresh(await status.ViewAsync(ct));
            foreach (var r in await repos.GetReposAsync(ct)) PollFailures.WithLabels(r.Id).Set(r.LastPollOk ? 0 : r.ConsecutiveFailures);
        });
    }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public Gauge InSync { get; }

    public Gauge Behind { get; }

    public Counter Rollouts { get; }

    public Histogram RolloutSeconds { get; }

    public Histogram StepSeconds { get; }

    public Gauge HoldsActive { get; }

    public Gauge PollFailures { get; }

    public Gauge OutboxDepth { get; }

    public Gauge Leader { get; }

    public Histogram EtaError { get; }

    private void Refresh(StatusView view)
    {
        foreach (var h in view.Hosts)
        {
            InSync.WithLabels(h.Name, h.Role).Set(h.State == "insync" ? 1 : 0);
            Behind.WithLabels(h.Name, h.Role).Set(h.BehindSeconds ?? 0);
        }

        HoldsActive.Set(view.Holds.Count);
        OutboxDepth.Set(view.Health.OutboxDepth);
        Leader.WithLabels(view.Health.Instance.Name).Set(view.Health.Instance.Role == "standby" ? 0 : 1);
    }
}

/// <summary>
/// Follows the event stream for the metrics that count things (rollouts, steps), and for the live estimate's error:
/// when a merge is seen its estimate is saved in the store (<c>live_estimates</c>); when a rollout that carries it
/// succeeds, the real time minus the estimate goes to <c>chatops_live_eta_error_seconds</c>.
/// </summary>
internal sealed class MetricsRecorder(
    BotMetrics metrics,
    DeployerEvents events,
    StatusViewBuilder status,
    RepoWatcher watcher,
    ILiveEstimateStore estimates) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = events.Subscribe();
        try
        {
            await foreach (var e in reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await RecordAsync(e, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Metrics must never take the bot down; the next event is recorded as usual.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
        finally
        {
            events.Unsubscribe(reader);
        }
    }

    private async Task RecordAsync(DeployerEvent e, CancellationToken ct)
    {
        switch (e)
        {
            case HostStepFinished s:
                metrics.StepSeconds.WithLabels(s.Step.Name, HostText.Step(s.Step.Status)).Observe(s.Step.DurationMs / 1000.0);
                break;
            case RolloutFinished f:
                var outcome = f.Rollout.State.ToString().ToLowerInvariant();
                metrics.Rollouts.WithLabels(outcome).Inc();
                if (f.Rollout.FinishedAt is { } end) metrics.RolloutSeconds.WithLabels(outcome).Observe((end - f.Rollout.StartedAt).TotalSeconds);
                if (f.Rollout.State == RolloutState.Succeeded) await ResolveEstimatesAsync(f.Rollout, ct);
                break;
            case MergeDetected { Replayed: false, Merge.Kind: not MergeKind.Baseline } m:
                var estimate = await status.EstimateAsync(m.Merge.Repo, ct);
                if (estimate?.LiveAt is { } at)
                    await estimates.SaveAsync(new SavedEstimate { Id = m.Merge.Id, Repo = m.Merge.Repo, Head = m.Merge.NewHead, LiveAt = at }, ct);
                break;
        }
    }

    private async Task ResolveEstimatesAsync(RolloutRecord rollout, CancellationToken ct)
    {
        var live = rollout.FinishedAt ?? rollout.StartedAt;
        foreach (var saved in await estimates.GetUnresolvedAsync(ct))
        {
            if (!rollout.Revisions.TryGetValue(saved.Repo, out var rev)) continue;
            if (!RevisionSet.Matches(rev, saved.Head) && await watcher.IsAncestorAsync(saved.Repo, saved.Head, rev, ct) != true) continue;
            var error = (live - saved.LiveAt).TotalSeconds;
            metrics.EtaError.Observe(error);
            await estimates.ResolveAsync(saved.Id, error, ct);
        }
    }
}
