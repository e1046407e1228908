using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

public sealed class RolloutMessagesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static HostResult Host(string name, HostOutcome outcome, string? step = null, string? error = null) => new()
    {
        Host = name, Outcome = outcome, FailedStep = step, Failure = Failure(step, error), StartedAt = T0, FinishedAt = T0.AddSeconds(3),
        Before = new() { ["tools"] = "aaaaaaaaaaaa1111" }, After = new() { ["tools"] = outcome == HostOutcome.Ok ? "bbbbbbbbbbbb2222" : "aaaaaaaaaaaa1111" },
    };

    private static HostFailure? Failure(string? step, string? error) => error is null ? null
        : step == "connect" ? HostFailure.Of(HostFailureKind.Connect, error)
        : new HostFailure { Kind = HostFailureKind.Step, Step = step, StepStatus = StepStatus.Failed, Detail = error[(step!.Length + 2)..] };

    [Fact]
    public void Results_FailuresFirst_ThenOk()
    {
        var hosts = Enumerable.Range(1, 40).Select(i => $"bm{i:00}").ToList();
        var rollout = new RolloutRecord { Id = 7, Hosts = hosts, StartedAt = T0, FinishedAt = T0.AddSeconds(90), State = RolloutState.Failed, Tally = new RolloutTally { Total = 40, Ok = 38, Failed = 1, Unreachable = 1 } };
        var results = hosts.Select(h => h switch
        {
            "bm17" => Host(h, HostOutcome.Failed, "checkconfig", "checkconfig: exit 2"),
            "bm30" => Host(h, HostOutcome.Unreachable, "connect", "connection refused"),
            _ => Host(h, HostOutcome.Ok),
        }).ToList();

        var summary = RolloutMessages.Summary(rollout, results);
        var chunks = RolloutMessages.Results(rollout, results, 2000);

        Assert.Equal("FAILED: rollout #7 failed in 1m30s: 38/40 ok, 1 failed, 1 unreachable — bm17 at checkconfig, bm30 unreachable", summary);
        var rows = chunks.SelectMany(c => c.Split('\n')).Where(l => l.StartsWith("bm", StringComparison.Ordinal)).ToList();
        Assert.StartsWith("bm17", rows[0], StringComparison.Ordinal);
        Assert.StartsWith("bm30", rows[1], StringComparison.Ordinal);
        Assert.Contains("checkconfig: exit 2", rows[0], StringComparison.Ordinal);
        Assert.Contains("tools aaaaaaaa→bbbbbbbb", rows[2], StringComparison.Ordinal);
        Assert.Equal(40, rows.Count);
    }

    [Fact]
    public void Progress_CountsDoneAndFailed()
    {
        Assert.Equal("rollout #3: 3/40 done, 1 failed…", RolloutMessages.Progress(3, 3, 40, 1));
        Assert.Equal("rollout #3: 40/40 done", RolloutMessages.Progress(3, 40, 40, 0, finished: true));
    }

    [Fact]
    public void Progress_AfterAFailedCanary_NamesTheHostsThatNeverStarted() =>
        Assert.Equal("rollout #3: 1/3 done, 1 failed, 2 not started", RolloutMessages.Progress(3, 3, 3, 1, finished: true, notStarted: 2));

    public static TheoryData<string, RolloutRecord> Reasons() => new()
    {
        { "deploy now", new RolloutRecord { Trigger = RolloutTrigger.DeployNow } },
        { "deploy now --force --again", new RolloutRecord { Trigger = RolloutTrigger.DeployNow, Forced = true, Again = true } },
        { "chatops deploy", new RolloutRecord { Trigger = RolloutTrigger.Cli } },
        { "chatops deploy --force", new RolloutRecord { Trigger = RolloutTrigger.Cli, Forced = true } },
        { "resume interrupted rollout #4", new RolloutRecord { Trigger = RolloutTrigger.Resume, ResumedFrom = 4 } },
        { "rollback to the set of rollout #2", new RolloutRecord { Trigger = RolloutTrigger.Rollback, RollbackTo = 2 } },
        {
            "automatic: deploying: tools 1a2b3c4d5e6f, configs 9f8e7d6c5b4a",
            new RolloutRecord
            {
                Trigger = RolloutTrigger.Unlock, Deploying = ["tools", "configs"],
                Revisions = new() { ["configs"] = "9f8e7d6c5b4a3210", ["tools"] = "1a2b3c4d5e6f7890", ["other"] = "0000" },
            }
        },
        // Stored by an older build: its words as written, through the sanitizer.
        { "deploy now", new RolloutRecord { Trigger = RolloutTrigger.Automatic, LegacyReason = "deploy now" } },
        { "merges @\u200Beveryone", new RolloutRecord { LegacyReason = "merges @everyone\u202E" } },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Reason_FromTheTypedRecord(string expected, RolloutRecord rollout) =>
        Assert.Equal(expected, RolloutText.Reason(rollout));

    public static TheoryData<string, RolloutRecord> Summaries() => new()
    {
        { "", new RolloutRecord { State = RolloutState.Running } },
        { "3/3 ok", new RolloutRecord { State = RolloutState.Succeeded, Tally = new RolloutTally { Total = 3, Ok = 3 } } },
        {
            "1/5 ok, 1 failed, 1 unreachable, 1 stopped partway, 1 not started",
            new RolloutRecord { State = RolloutState.Cancelled, Tally = new RolloutTally { Total = 5, Ok = 1, Failed = 1, Unreachable = 1, Cancelled = 1, Skipped = 1 } }
        },
        {
            "canary h1 failed (checkconfig: exit 1; previous revisions restored); not touched: h2, h3",
            new RolloutRecord
            {
                State = RolloutState.Halted, Hosts = ["h1", "h2", "h3"], CanaryCount = 1, FailedCanary = "h1",
                CanaryFailure = new HostFailure { Kind = HostFailureKind.Step, Step = "checkconfig", StepStatus = StepStatus.Failed, Detail = "exit 1", Restore = RestoreOutcome.Restored },
                Tally = new RolloutTally { Total = 3, Failed = 1, Skipped = 2 } }
        },
        { "interrupted; unfinished: h3, h4", new RolloutRecord { State = RolloutState.Interrupted, Unfinished = ["h3", "h4"] } },
        { "interrupted; unfinished: none", new RolloutRecord { State = RolloutState.Interrupted } },
        // Stored by an older build.
        { "interrupted; unfinished: bm02", new RolloutRecord { State = RolloutState.Interrupted, LegacySummary = "interrupted; unfinished: bm02" } },
        { "canary bm01 failed (update: exit 1); not touched: bm02", new RolloutRecord { State = RolloutState.Halted, LegacySummary = "canary bm01 failed (update: exit 1); not touched: bm02" } },
    };

    [Theory]
    [MemberData(nameof(Summaries))]
    public void Summary_FromTheTypedRecord(string expected, RolloutRecord rollout) =>
        Assert.Equal(expected, RolloutText.Summary(rollout));

    [Fact]
    public void Started_OldShapedRecord_ShowsItsStoredReason()
    {
        var old = new RolloutRecord { Id = 9, StartedBy = "alice", LegacyReason = "deploy now --force", Forced = true, Hosts = ["bm01"], Revisions = new() { ["tools"] = "1a2b3c4d5e6f7890" } };

        Assert.StartsWith("rollout #9 started by alice (deploy now --force) FORCED", RolloutMessages.Started(old), StringComparison.Ordinal);
    }
}
