using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Tests.Status;

public sealed class FleetStatusTests
{
    private const string ConfigsHead = "0123456789abcdef0123456789abcdef01234567";
    private const string ConfigsOld = "fedcba9876543210fedcba9876543210fedcba98";
    private const string CustomHead = "89abcdef0123456789abcdef0123456789abcdef";
    private const string CustomOld = "1111111111112222222222223333333333334444";

    private static readonly Dictionary<string, string> Heads = new() { ["configs"] = ConfigsHead, ["custom"] = CustomHead };

    private static FleetConfig Fleet(params HostConfig[] hosts) => new()
    {
        Repos = { ["configs"] = new RepoConfig { Url = "/srv/configs" }, ["custom"] = new RepoConfig { Kind = RepoKind.Hg, Url = "/srv/custom" } },
        Roles =
        {
            ["master"] = new RoleConfig { Repos = { ["configs"] = new RoleRepo { Path = "configs" }, ["custom"] = new RoleRepo { Path = "custom" } } },
            ["foopy"] = new RoleConfig { Repos = { ["custom"] = new RoleRepo { Path = "custom" } } },
        },
        Hosts = [.. hosts],
    };

    private static HostConfig Host(string name, string role = "master", bool enabled = true) =>
        new() { Name = name, Role = role, Basedir = "/b/" + name, Transport = TransportKind.Local, Enabled = enabled };

    private static HostState State(string host, string? configs, string? custom, HostOutcome outcome = HostOutcome.Ok,
        string? failedStep = null, string? error = null)
    {
        var revisions = new Dictionary<string, string>();
        if (configs is not null) revisions["configs"] = configs;
        if (custom is not null) revisions["custom"] = custom;
        return new HostState { Id = host, Revisions = revisions, LastOutcome = outcome, LastFailedStep = failedStep, LastFailure = error is null ? null : HostFailure.Of(HostFailureKind.Connect, error), LastRolloutId = 7 };
    }

    private static HostLag Row(HostConfig host, HostState? state)
    {
        var states = state is null ? new Dictionary<string, HostState>() : new Dictionary<string, HostState> { [host.Name] = state };
        return Assert.Single(FleetStatus.Build(Fleet(host), Heads, states));
    }

    [Fact]
    public void Build_HostAtEveryHead_IsInSync()
    {
        var row = Row(Host("bm01"), State("bm01", ConfigsHead, CustomHead));

        Assert.Equal(HostLagState.InSync, row.State);
        Assert.Null(row.Failure);
        Assert.All(row.Repos, c => Assert.True(c.InSync));
        Assert.Equal(7, row.LastRolloutId);
    }

    [Fact]
    public void Build_OneRepoBehind_IsBehindAndNamesTheRepo()
    {
        var row = Row(Host("bm01"), State("bm01", ConfigsHead, CustomOld));

        Assert.Equal(HostLagState.Behind, row.State);
        Assert.Equal([true, false], row.Repos.Select(c => c.InSync));
        Assert.Equal(CustomOld, row.Repos.Single(c => c.Repo == "custom").OnHost);
        Assert.Equal(CustomHead, row.Repos.Single(c => c.Repo == "custom").Head);
    }

    [Fact]
    public void Build_LastRolloutFailed_IsFailedWithStepAndError()
    {
        var row = Row(Host("bm01"), State("bm01", ConfigsOld, CustomOld, HostOutcome.Failed, "checkconfig", "exit 1"));

        Assert.Equal(HostLagState.Failed, row.State);
        Assert.Equal(("checkconfig", "exit 1"), (row.FailedStep, row.Failure?.Detail));
    }

    [Fact]
    public void Build_LastRolloutUnreachable_IsUnreachableWithReason()
    {
        var row = Row(Host("bm01"), State("bm01", ConfigsHead, CustomHead, HostOutcome.Unreachable, "connect", "connection refused"));

        Assert.Equal(HostLagState.Unreachable, row.State);
        Assert.Equal("connection refused", row.Failure?.Detail);
    }

    [Fact]
    public void Build_DisabledHost_IsDisabledWhateverItRuns()
    {
        var row = Row(Host("bm01", enabled: false), State("bm01", ConfigsOld, CustomOld, HostOutcome.Failed));

        Assert.Equal(HostLagState.Disabled, row.State);
    }

    [Fact]
    public void Build_NeverSeenHost_IsUnknown()
    {
        var row = Row(Host("bm01"), null);

        Assert.Equal(HostLagState.Unknown, row.State);
        Assert.All(row.Repos, c => Assert.Null(c.OnHost));
    }

    [Fact]
    public void Build_RevisionsUnreadable_IsUnknown()
    {
        var row = Row(Host("bm01"), State("bm01", RevisionReader.Unknown, RevisionReader.Unknown, HostOutcome.Pending));

        Assert.Equal(HostLagState.Unknown, row.State);
    }

    [Fact]
    public void Build_SkippedByHaltedRolloutWhileBehind_IsBehind()
    {
        var row = Row(Host("bm02"), State("bm02", ConfigsOld, CustomHead, HostOutcome.Skipped));

        Assert.Equal(HostLagState.Behind, row.State);
        Assert.Equal(["configs"], row.Repos.Where(c => !c.InSync).Select(c => c.Repo));
    }

    [Theory]
    [InlineData("89abcdef0123+")]
    [InlineData("89abcdef0123")]
    [InlineData("89ABCDEF0123")]
    public void Build_HgShortHashOfHead_IsInSync(string shortHash)
    {
        var row = Row(Host("foopy01", "foopy"), State("foopy01", null, shortHash));

        Assert.Equal(HostLagState.InSync, row.State);
        Assert.Equal(["custom"], row.Repos.Select(c => c.Repo));
    }

    [Fact]
    public void Build_HgShortHashOfOtherRevision_IsBehind()
    {
        var row = Row(Host("foopy01", "foopy"), State("foopy01", null, "111111111111+"));

        Assert.Equal(HostLagState.Behind, row.State);
    }

    [Fact]
    public void Build_WholeFleet_OneRowPerHostInConfigOrderAndCounts()
    {
        var fleet = Fleet(Host("bm01"), Host("bm02"), Host("bm03"), Host("foopy01", "foopy"), Host("foopy02", "foopy", enabled: false));
        var states = new Dictionary<string, HostState>
        {
            ["bm01"] = State("bm01", ConfigsHead, CustomHead),
            ["bm02"] = State("bm02", ConfigsOld, CustomHead),
            ["foopy01"] = State("foopy01", null, "89abcdef0123+"),
        };

        var rows = FleetStatus.Build(fleet, Heads, states);

        Assert.Equal(["bm01", "bm02", "bm03", "foopy01", "foopy02"], rows.Select(r => r.Host));
        Assert.Equal(
            [HostLagState.InSync, HostLagState.Behind, HostLagState.Unknown, HostLagState.InSync, HostLagState.Disabled],
            rows.Select(r => r.State));
        var counts = FleetStatus.Count(rows);
        Assert.Equal(2, counts[HostLagState.InSync]);
        Assert.Equal(1, counts[HostLagState.Behind]);
        Assert.False(counts.ContainsKey(HostLagState.Failed));
    }

    [Theory]
    [InlineData("0123456789ab+", ConfigsHead, true)]
    [InlineData("0123456", ConfigsHead, true)]
    [InlineData(ConfigsHead, ConfigsHead, true)]
    [InlineData("012345", ConfigsHead, false)]
    [InlineData("0123456789ac", ConfigsHead, false)]
    [InlineData("?", ConfigsHead, false)]
    [InlineData("+", ConfigsHead, false)]
    [InlineData("", ConfigsHead, false)]
    [InlineData(null, ConfigsHead, false)]
    [InlineData(ConfigsHead, null, false)]
    public void Matches_HostRevisionAgainstHead(string? onHost, string? head, bool expected)
    {
        Assert.Equal(expected, RevisionSet.Matches(onHost, head));
    }
}
