using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Rollout;

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
    string? Detail,
    int? LastRolloutId,
    DateTimeOffset? LastRolloutAt,
    DateTimeOffset? RevisionsAt)
{
    public static string Label(HostLagState state) => state switch
    {
        HostLagState.InSync => "in sync",
        HostLagState.Behind => "behind",
        HostLagState.Partial => "partial",
        HostLagState.Failed => "failed",
        HostLagState.Unreachable => "unreachable",
        HostLagState.Disabled => "disabled",
        _ => "unknown",
    };
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
        var detail = lag switch
        {
            HostLagState.Failed => state?.LastFailedStep is { } step ? $"{step}: {state.LastError}" : state?.LastError,
            HostLagState.Unreachable => state?.LastError,
            HostLagState.Partial => $"updated, not reconfigured: rollout #{state?.LastRolloutId} stopped at {state?.LastFailedStep ?? "a step"}",
            HostLagState.Behind => string.Join(", ", cells.Where(c => !c.InSync).Select(c => c.Repo)),
            _ => null,
        };
        return new HostLag(host.Name, host.Role, lag, cells, detail, state?.LastRolloutId, state?.LastRolloutAt, state?.RevisionsAt);
    }

    /// <summary>Counts per state, for summary lines.</summary>
    public static IReadOnlyDictionary<HostLagState, int> Count(IEnumerable<HostLag> rows) =>
        rows.GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count());
}
