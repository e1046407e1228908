namespace ChatOpsReconfig.Deployer.Status;

/// <summary>When a merge was estimated to go live, kept until a rollout proves it right or wrong (the ETA error metric).</summary>
public sealed record SavedEstimate
{
    /// <summary>The merge's id.</summary>
    public int Id { get; init; }

    public string Repo { get; init; } = "";

    public string Head { get; init; } = "";

    public DateTimeOffset LiveAt { get; init; }

    public bool Resolved { get; init; }

    public double? ErrorSeconds { get; init; }
}

/// <summary>The live estimates the bot made, to compare with what happened.</summary>
public interface ILiveEstimateStore
{
    /// <summary>Saves <paramref name="estimate"/>, replacing one for the same merge.</summary>
    Task SaveAsync(SavedEstimate estimate, CancellationToken cancellationToken);

    Task<IReadOnlyList<SavedEstimate>> GetUnresolvedAsync(CancellationToken cancellationToken);

    Task ResolveAsync(int mergeId, double errorSeconds, CancellationToken cancellationToken);
}
