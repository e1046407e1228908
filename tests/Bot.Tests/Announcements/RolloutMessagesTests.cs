using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

public sealed class RolloutMessagesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static HostResult Host(string name, HostOutcome outcome, string? step = null, string? error = null) => new()
    {
        Host = name, Outcome = outcome, FailedStep = step, Error = error, StartedAt = T0, FinishedAt = T0.AddSeconds(3),
        Before = new() { ["tools"] = "aaaaaaaaaaaa1111" }, After = new() { ["tools"] = outcome == HostOutcome.Ok ? "bbbbbbbbbbbb2222" : "aaaaaaaaaaaa1111" },
    };

    [Fact]
    public void Results_FailuresFirst_ThenOk()
    {
        var hosts = Enumerable.Range(1, 40).Select(i => $"bm{i:00}").ToList();
        var rollout = new RolloutRecord { Id = 7, Hosts = hosts, StartedAt = T0, FinishedAt = T0.AddSeconds(90), State = RolloutState.Failed, Summary = "38/40 ok, 1 failed, 1 unreachable" };
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
}
