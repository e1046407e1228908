using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Repos;

namespace ChatOpsReconfig.Deployer.Status;

public enum HostLagState
{
    InSync,
    Behind,

    /// <summary>Changed by a step but stopped before its last one: updated, not reconfigured.</summary>
    Partial,
    Failed,
    Unreachable,
    Disabled,

    /// <summary>Never read: no rollout or live check has seen this host yet.</summary>
    Unknown,
}

/// <summary>One repo on one host: what it runs against the production head.</summary>
public sealed record RepoCell(string Repo, string? OnHost, string? Head, bool InSync);

/// <summary>One row of the lag table.</summary>
public sealed record HostLag(
    string Host,
    string Role,
    HostLagState State,
    IReadOnlyList<RepoCell> Repos,
    int? LastRolloutId,
    DateTimeOffset? LastRolloutAt,
    DateTimeOffset? RevisionsAt)
{
    /// <summary>The step the last rollout failed or stopped at (failed, partial).</summary>
    public string? FailedStep { get; init; }

    /// <summary>Why the last rollout or probe did not end ok (failed, unreachable).</summary>
    public HostFailure? Failure { get; init; }

    /// <summary>The same in the words an older build stored.</summary>
    public string? LegacyError { get; init; }
}

/// <summary>The hosts × repos lag table, computed from production heads and the last known state of each host.</summary>
public static class FleetStatus
{
    public static IReadOnlyList<HostLag> Build(
        FleetConfig fleet, IReadOnlyDictionary<string, string> heads, IReadOnlyDictionary<string, HostState> states)
    {
        var rows = new List<HostLag>(fleet.Hosts.Count);
        foreach (var host in fleet.Hosts)
        {
            states.TryGetValue(host.Name, out var state);
            rows.Add(Row(fleet, host, heads, state));
        }

        return rows;
    }

    /// <summary>One host's row, for <c>!status HOST</c> (no need to build the whole table).</summary>
    public static HostLag Row(FleetConfig fleet, HostConfig host, IReadOnlyDictionary<string, string> heads, HostState? state)
    {
        var role = fleet.Roles[host.Role];
        var cells = role.Repos.Keys.Select(repo =>
        {
            var onHost = state?.Revisions.GetValueOrDefault(repo);
            var head = heads.GetValueOrDefault(repo);
            return new RepoCell(repo, onHost, head, RevisionSet.Matches(onHost, head));
        }).ToList();

        var lag = !host.Enabled ? HostLagState.Disabled
            : state is null ? HostLagState.Unknown
            : state.Partial ? HostLagState.Partial
            : state.LastOutcome == HostOutcome.Unreachable ? HostLagState.Unreachable
            : state.LastOutcome == HostOutcome.Failed ? HostLagState.Failed
            : cells.Count > 0 && cells.All(c => c.OnHost is null or RevisionReader.Unknown) ? HostLagState.Unknown
            : cells.All(c => c.InSync) ? HostLagState.InSync
            : HostLagState.Behind;
        var failed = lag is HostLagState.Failed or HostLagState.Unreachable or HostLagState.Partial;
        return new HostLag(host.Name, host.Role, lag, cells, state?.LastRolloutId, state?.LastRolloutAt, state?.RevisionsAt)
        {
            FailedStep = failed ? state?.LastFailedStep : null,
            Failure = failed ? state?.LastFailure : null,
            LegacyError = failed ? state?.LegacyLastError : null,
        };
    }

    /// <summary>Counts per state, for summary lines.</summary>
    public static IReadOnlyDictionary<HostLagState, int> Count(IEnumerable<HostLag> rows) =>
        rows.GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count());
}
