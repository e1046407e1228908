using ChatOpsReconfig.Deployer.Fleet;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary>Extra lines for <c>!status</c> from other features (lock, policy, repos), so status need not know them.</summary>
internal interface IStatusSection
{
    /// <summary>Lines to show under the summary; empty when there is nothing to say.</summary>
    /// <param name="role">The role asked about (<c>!status foopy</c>): only what concerns its hosts and repos; null for the fleet.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    Task<IReadOnlyList<string>> LinesAsync(string? role, CancellationToken cancellationToken);
}

/// <summary>Builds the <c>!status</c> replies from the store (no SSH): summary first, then what lags.</summary>
internal sealed class StatusReport(
    FleetConfig fleet,
    IProductionHeadsSource heads,
    IRolloutStore store,
    RolloutCoordinator coordinator,
    IEnumerable<IStatusSection> sections,
    Hosting.BotOptions options,
    ChatClock clock)
{
    /// <summary>Fleets up to this size are listed in full.</summary>
    private const int SmallFleet = 10;

    public async Task<string> FleetAsync(string? role, CancellationToken cancellationToken)
    {
        var (rows, headSet, problems) = await RowsAsync(cancellationToken);
        if (role is not null) rows = rows.Where(r => string.Equals(r.Role, role, StringComparison.OrdinalIgnoreCase)).ToList();
        var lines = new List<string> { Summary(rows, role) };
        var repos = role is null ? fleet.Repos.Keys.ToList() : fleet.Repos.Keys.Where(r => fleet.Roles[role].Repos.ContainsKey(r)).ToList();
        lines.Add("production: " + string.Join(", ", repos.Select(r => $"{r} {RevisionSet.Short(headSet.GetValueOrDefault(r))}")));
        lines.AddRange(problems.Where(repos.Contains).Select(p => $"cannot read production head of {p}"));
        if (coordinator.Current is { } running)
            lines.Add($"running: rollout {running.Rollout.Id} by {running.Rollout.StartedBy}, {running.Done}/{running.Total} done, {running.Failed} failed");
        foreach (var section in sections) lines.AddRange(await section.LinesAsync(role, cancellationToken));

        var show = rows.Count <= SmallFleet ? rows : rows.Where(r => r.State is not (HostLagState.InSync or HostLagState.Disabled)).ToList();
        var limit = options.Chat.StatusListLimit;
        if (show.Count > 0)
        {
            var table = new TextTable("host", "role", "state", "detail", "last rollout");
            foreach (var r in show.OrderBy(r => Rank(r.State)).ThenBy(r => r.Host, StringComparer.Ordinal).Take(limit))
                table.Add(r.Host, r.Role, HostText.Lag(r.State), HostText.LagDetail(r), r.LastRolloutId is { } id ? $"#{id} {(r.LastRolloutAt is { } at ? clock.At(at) : "?")}" : "-");
            lines.AddRange(table.Lines());
            if (show.Count > limit) lines.Add($"… and {show.Count - limit} more not in sync");
        }

        if (rows.Count > SmallFleet || show.Count > limit)
            lines.Add($"full table: {options.Web.Url.TrimEnd('/')}/ (or `chatops status`)");
        return string.Join('\n', lines);
    }

    public async Task<string?> HostAsync(string name, CancellationToken cancellationToken)
    {
        var host = fleet.Hosts.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase));
        if (host is null) return null;
        // One host: its own state and result by id, not the whole fleet's (thousands of documents at scale).
        var resolved = await heads.CurrentAsync(cancellationToken);
        var state = await store.GetHostStateAsync(host.Name, cancellationToken);
        var row = FleetStatus.Row(fleet, host, resolved.Heads.Revisions, state);
        var lines = new List<string>
        {
            $"{host.Name} ({host.Role}, {host.Transport.ToString().ToLowerInvariant()}{(host.Address is null ? "" : " " + host.Address)}): {HostText.Lag(row.State)}{(HostText.LagDetail(row) is { } detail ? " — " + detail : "")}",
        };
        var table = new TextTable("repo", "on host", "production", "state");
        foreach (var c in row.Repos) table.Add(c.Repo, RevisionSet.Short(c.OnHost), RevisionSet.Short(c.Head), c.InSync ? "in sync" : "behind");
        lines.AddRange(table.Lines());
        if (state?.RevisionsAt is { } at) lines.Add($"revisions read {clock.At(at)}");
        if (state?.LastRolloutId is { } id)
        {
            var result = await store.GetHostAsync(id, host.Name, cancellationToken);
            lines.Add($"last rollout #{id} at {(state.LastRolloutAt is { } last ? clock.At(last) : "?")}: {state.LastOutcome.ToString().ToLowerInvariant()}");
            if (result is not null)
            {
                if (HostText.Lock(result.Lock) is { } note) lines.Add($"  host lock: {note}");
                foreach (var s in result.Steps)
                    lines.Add($"  {s.Name}: {s.Status}{(s.ExitCode is { } code && code != 0 ? $" (exit {code})" : "")} {HumanTime.Duration(TimeSpan.FromMilliseconds(s.DurationMs))}{(HostText.StepDetail(s) is { } said ? " — " + said : "")}");
            }

            if (HostText.Failure(state.LastFailure, state.LegacyLastError) is { Length: > 0 } error) lines.Add($"last error: {error}");
        }
        else
        {
            lines.Add("no rollout has touched this host yet");
        }

        return string.Join('\n', lines);
    }

    /// <summary>The role's name as configured, or null when there is no such role.</summary>
    public string? RoleNamed(string name) => fleet.Roles.Keys.FirstOrDefault(r => string.Equals(r, name, StringComparison.OrdinalIgnoreCase));

    private async Task<(IReadOnlyList<HostLag> Rows, IReadOnlyDictionary<string, string> Heads, IReadOnlyList<string> Problems)> RowsAsync(CancellationToken ct)
    {
        var resolved = await heads.CurrentAsync(ct);
        var states = (await store.GetHostStatesAsync(ct)).ToDictionary(s => s.Id, StringComparer.Ordinal);
        return (FleetStatus.Build(fleet, resolved.Heads.Revisions, states), resolved.Heads.Revisions, [.. resolved.Problems.Select(RepoText.Problem)]);
    }

    private static string Summary(IReadOnlyList<HostLag> rows, string? role)
    {
        var counts = FleetStatus.Count(rows);
        var what = role is null ? $"{rows.Count} hosts" : $"{rows.Count} {role} hosts";
        if (rows.Count > 0 && counts.GetValueOrDefault(HostLagState.InSync) == rows.Count) return $"{what}: all in sync";
        return $"{what}: " + string.Join(", ", counts.OrderBy(kv => Rank(kv.Key)).Select(kv => $"{kv.Value} {HostText.Lag(kv.Key)}"));
    }

    private static int Rank(HostLagState s) => s switch
    {
        HostLagState.Failed => 0,
        HostLagState.Partial => 0,
        HostLagState.Unreachable => 1,
        HostLagState.Behind => 2,
        HostLagState.Unknown => 3,
        HostLagState.Disabled => 4,
        _ => 5,
    };
}
