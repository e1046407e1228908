using ChatOpsReconfig.Bot.Hosting;

namespace ChatOpsReconfig.Bot.Announcements;

/// <summary><c>!status</c> names the leader and how long it has led, when bots share a PostgreSQL store.</summary>
internal sealed class LeaderStatusSection(LeaderState leadership, TimeProvider time) : IStatusSection
{
    public Task<IReadOnlyList<string>> LinesAsync(string? role, CancellationToken cancellationToken)
    {
        if (!leadership.Shared || role is not null) return Task.FromResult<IReadOnlyList<string>>([]);
        var line = leadership.Current is { } leader
            ? $"leader: {leader.Instance}, leading for {HumanTime.Duration(time.GetUtcNow() - leader.Since)}"
            : "leader: none (the lease is free; a bot takes it within a few seconds)";
        return Task.FromResult<IReadOnlyList<string>>([line]);
    }
}
