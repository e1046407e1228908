using ChatOpsReconfig.Bot.Web;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Bot.Tests.Web;

/// <summary>The "when will it be live?" estimator at fixed instants (UTC).</summary>
public sealed class LiveEtaTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 14, 25, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, (EtaInput Input, string Text, DateTimeOffset? LiveAt)> Table = new()
    {
        ["quiet window"] = (Input() with { QuietUntil = Now.AddMinutes(7) }, "live in ~9 min (quiet until 14:32 UTC, rollout ~2 min)", Now.AddMinutes(9)),
        ["nothing blocks"] = (Input(), "live in ~2 min (deploying at the next policy tick, rollout ~2 min)", Now.AddMinutes(2)),
        ["quiet window already over"] = (Input() with { QuietUntil = Now.AddMinutes(-1) }, "live in ~2 min (deploying at the next policy tick, rollout ~2 min)", Now.AddMinutes(2)),
        ["hold outlasts the quiet window"] = (Input() with { QuietUntil = Now.AddMinutes(3), Holds = [new EtaHold("alice", Now.AddMinutes(35))] }, "live in ~37 min (held by alice until 15:00 UTC, rollout ~2 min)", Now.AddMinutes(37)),
        ["the later of two holds"] = (Input() with { Holds = [new EtaHold("alice", Now.AddMinutes(5)), new EtaHold("bob", Now.AddMinutes(20))] }, "live in ~22 min (held by bob until 14:45 UTC, rollout ~2 min)", Now.AddMinutes(22)),
        ["hold without expiry"] = (Input() with { QuietUntil = Now.AddMinutes(3), Holds = [new EtaHold("alice", null)] }, "not before the hold ends: held by alice, no expiry known", null),
        ["freeze over a hold"] = (Input() with { Holds = [new EtaHold("alice", Now.AddMinutes(5))], FreezeUntil = Now.AddHours(18).AddMinutes(35), FreezeReason = "weekend" }, "live in ~18h37m (freeze \"weekend\" until Dec 1 09:00 UTC, rollout ~2 min)", Now.AddHours(18).AddMinutes(37)),
        ["no rollout history"] = (Input() with { RolloutDuration = null, QuietUntil = Now.AddMinutes(4) }, "live in ~4 min (quiet until 14:29 UTC, rollout time unknown)", Now.AddMinutes(4)),
        ["no history, nothing blocks"] = (Input() with { RolloutDuration = null }, "live in under a minute (deploying at the next policy tick, rollout time unknown)", Now),
        ["rolling out"] = (Input() with { RolloutStartedAt = Now.AddMinutes(-1), RolloutDuration = TimeSpan.FromMinutes(4) }, "live in ~3 min (rolling out since 14:24 UTC, rollout ~4 min)", Now.AddMinutes(3)),
        ["rollout running longer than usual"] = (Input() with { RolloutStartedAt = Now.AddMinutes(-10) }, "live in under a minute (rolling out since 14:15 UTC, rollout ~2 min)", Now),
    };

    public static TheoryData<string> Cases => new(Table.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Estimate(string name)
    {
        var (input, text, liveAt) = Table[name];
        var estimate = LiveEta.Estimate(input);
        Assert.True(text == estimate.Text, $"{name}: expected '{text}', got '{estimate.Text}'");
        Assert.Equal(liveAt, estimate.LiveAt);
    }

    [Fact]
    public void ExpectedDurationIsTheMedianOfTheLastFiveFinishedRolloutsOfTheseHosts()
    {
        var hosts = new HashSet<string>(["bm01", "bm02"], StringComparer.Ordinal);
        RolloutRecord R(int id, int minutes, RolloutState state = RolloutState.Succeeded, string host = "bm01") => new()
        {
            Id = id, State = state, StartedAt = Now.AddHours(-id), FinishedAt = state == RolloutState.Running ? null : Now.AddHours(-id).AddMinutes(minutes), Hosts = [host],
        };

        // Newest first: a running one and one of other hosts are skipped; a cancelled one says nothing about duration.
        var recent = new[]
        {
            R(1, 0, RolloutState.Running), R(2, 99, host: "foopy01"), R(3, 50, RolloutState.Cancelled),
            R(4, 3), R(5, 10, RolloutState.Failed), R(6, 2), R(7, 4), R(8, 5), R(9, 60),
        };
        Assert.Equal(TimeSpan.FromMinutes(4), LiveEta.ExpectedDuration(recent, hosts));
        Assert.Null(LiveEta.ExpectedDuration([R(2, 99, host: "foopy01")], hosts));
    }

    private static EtaInput Input() => new() { Now = Now, RolloutDuration = TimeSpan.FromMinutes(2) };
}
