using System.Collections.Immutable;
using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>The states as read at <see cref="Stamp"/>, with each host's position so one state can be replaced cheaply.</summary>
internal sealed record HostStatesSnapshot(string? Stamp, ImmutableList<HostState> States, ImmutableDictionary<string, int> Index)
{
    public static HostStatesSnapshot Of(string? stamp, IEnumerable<HostState> states)
    {
        var list = states.ToImmutableList();
        var index = list.Select((s, i) => KeyValuePair.Create(s.Id, i)).ToImmutableDictionary(StringComparer.Ordinal);
        return new HostStatesSnapshot(stamp, list, index);
    }

    public HostStatesSnapshot With(string stamp, HostState state) =>
        Index.TryGetValue(state.Id, out var at)
            ? this with { Stamp = stamp, States = States.SetItem(at, state) }
            : new HostStatesSnapshot(stamp, States.Add(state), Index.Add(state.Id, States.Count));

    /// <summary>
    /// The snapshot after <paramref name="states"/> were saved and committed with <paramref name="stamp"/>: updated in
    /// place when it was current before the save (<paramref name="before"/>), else dropped (another writer came between).
    /// </summary>
    public static HostStatesSnapshot? After(HostStatesSnapshot? cached, string? before, string stamp, IReadOnlyList<HostState> states)
    {
        if (cached is null || before is null || cached.Stamp != before) return null;
        foreach (var state in states) cached = cached.With(stamp, state);
        return cached;
    }
}
