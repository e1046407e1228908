using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Events;
using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Bugs;

/// <summary>
/// The bug-comment pipeline over a real store file and a fake tracker on Kestrel: rollouts are written to the store as
/// the runner writes them, then planned and delivered. <see cref="RestartAsync"/> drops the worker and the store (as a
/// killed bot does) and opens them again over the same file.
/// </summary>
internal sealed class BugsHarness : IAsyncDisposable
{
    public static readonly string[] Hosts = ["bm01", "bm02", "bm03", "bm04"];

    private readonly TempDirectory _dir = new("chatops-bugs");
    private readonly Dictionary<string, BugTrackerOptions> _options;
    private readonly HttpClient _http = new();
    private int _nextRev;

    public BugsHarness(FakeTracker tracker, bool github = false, bool dryRun = false)
    {
        Tracker = tracker;
        Fleet = new FleetConfig
        {
            Repos =
            {
                ["configs"] = new RepoConfig { Url = "https://github.com/example/configs.git" },
                ["custom"] = new RepoConfig { Url = "https://hg.example.org/custom", Kind = RepoKind.Hg },
            },
            Roles =
            {
                ["master"] = new RoleConfig { Repos = { ["configs"] = new RoleRepo { Path = "configs" }, ["custom"] = new RoleRepo { Path = "custom" } } },
            },
            StorePath = _dir.Combine("chatops.db"),
        };
        _options = new Dictionary<string, BugTrackerOptions>
        {
            ["bmo"] = github
                ? new BugTrackerOptions { Kind = "github", Url = tracker.Url, Project = "example/configs", TokenEnv = "TEST_TOKEN", Repos = ["configs", "custom"], DryRun = dryRun }
                : new BugTrackerOptions { Kind = "bugzilla", Url = tracker.Url, ApiKeyEnv = "TEST_KEY", Repos = ["configs", "custom"], DryRun = dryRun },
        };
        if (github) Fleet.Repos["configs"].BugPattern = BugsSetup.GitHubIssuePattern;
        Open();
    }

    public FakeTracker Tracker { get; }

    public FleetConfig Fleet { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 7, 0, 0, TimeSpan.Zero));

    public DeployerEvents Events { get; } = new();

    public StoreDatabase Db { get; private set; } = null!;

    public RolloutStore Rollouts { get; private set; } = null!;

    /// <summary>The entry of tracker <c>bmo</c>, <paramref name="bug"/> and <paramref name="rolloutId"/>.</summary>
    public Task<BugCommentEntry?> EntryAsync(int bug, int rolloutId) => Outbox.FindAsync(BugCommentEntry.KeyOf("bmo", bug, rolloutId), CancellationToken.None);

    public IBugCommentOutbox Outbox { get; private set; } = null!;

    public BugCommentPlanner Planner { get; private set; } = null!;

    public BugCommentDelivery Delivery { get; private set; } = null!;

    /// <summary>The secret the bot reads; the fake's by default.</summary>
    public string? Secret { get; set; }

    /// <summary>Saves a finished rollout of <paramref name="commits"/> (summary per commit, all in <c>configs</c>) with the host outcomes given (default: all ok).</summary>
    public async Task<RolloutRecord> FinishAsync(string[] commits, params (string Host, HostOutcome Outcome, string? Step)[] hosts)
    {
        if (hosts.Length == 0) hosts = Hosts.Select(h => (h, HostOutcome.Ok, (string?)null)).ToArray();
        var refs = new Deployer.Repos.BugReferences(Fleet.Repos["configs"].BugPattern);
        var change = new RepoChange
        {
            Repo = "configs",
            To = Rev(),
            Commits = commits.Select(s => new ChangeCommit { Rev = Rev(), Author = "alice", Summary = s, Bugs = refs.Find(s) }).ToList(),
            TotalCommits = commits.Length,
        };
        var rollout = new RolloutRecord
        {
            StartedAt = Time.GetUtcNow(),
            FinishedAt = Time.GetUtcNow(),
            StartedBy = "policy",
            State = hosts.All(h => h.Outcome == HostOutcome.Ok) ? RolloutState.Succeeded : RolloutState.Failed,
            Revisions = { ["configs"] = change.To },
            Changes = [change],
            Hosts = hosts.Select(h => h.Host).ToList(),
        };
        rollout = rollout with { Id = (await Rollouts.InsertAsync(rollout, CancellationToken.None)) };
        await Rollouts.UpdateAsync(rollout, CancellationToken.None);
        foreach (var (host, outcome, step) in hosts)
            await Rollouts.SaveHostAsync(new HostResult { Id = $"{rollout.Id}/{host}", RolloutId = rollout.Id, Host = host, Role = "master", Outcome = outcome, FailedStep = step }, CancellationToken.None);
        return rollout;
    }

    /// <summary>Plans the rollout as the worker does when it finishes, and delivers what is due.</summary>
    public async Task<int> FinishAndDeliverAsync(RolloutRecord rollout)
    {
        await Planner.PlanAsync(rollout, (await Rollouts.GetHostsAsync(rollout.Id, CancellationToken.None)), CancellationToken.None);
        return await Delivery.DeliverDueAsync(CancellationToken.None);
    }

    public Task<int> DeliverAsync(CancellationToken cancellationToken = default) => Delivery.DeliverDueAsync(cancellationToken);

    /// <summary>Drops the worker and the store without any clean-up a crash would not do, then opens them again.</summary>
    public void Restart()
    {
        Delivery.Dispose();
        Db.Dispose();
        Open();
    }

    public async ValueTask DisposeAsync()
    {
        Delivery.Dispose();
        Db.Dispose();
        _http.Dispose();
        await Tracker.DisposeAsync();
        _dir.Dispose();
    }

    private void Open()
    {
        Db = new StoreDatabase(Fleet.StorePath!);
        Rollouts = new RolloutStore(Db);
        Outbox = new BugCommentOutbox(new LiteOutboxStore(Db, Time), new LiteBugRecords(Db, Time));
        var trackers = new BugTrackers(
            _options, "http://chatops.test:8080", _http, Time, new TrackerRetry { Retries = 1, BaseDelay = TimeSpan.Zero }, _ => Secret ?? Tracker.Secret);
        Planner = new BugCommentPlanner(trackers, Fleet, Rollouts, Outbox, new Bot.Announcements.BugCommentText(), Time, NullLogger<BugCommentPlanner>.Instance);
        Delivery = new BugCommentDelivery(trackers, Planner, Outbox, Events, Time, NullLogger<BugCommentDelivery>.Instance);
    }

    private string Rev() => (++_nextRev).ToString("x40", System.Globalization.CultureInfo.InvariantCulture);
}
