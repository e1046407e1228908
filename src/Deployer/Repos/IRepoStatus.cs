
namespace ChatOpsReconfig.Deployer.Repos;

/// <summary>What the policy and status views read about the watched repos.</summary>
public interface IRepoStatus
{
    /// <summary>Every configured repo, in config order; a repo never polled has a state without a head.</summary>
    Task<IReadOnlyList<RepoState>> GetReposAsync(CancellationToken cancellationToken);

    Task<RepoState?> GetRepoAsync(string repo, CancellationToken cancellationToken);

    /// <summary>Pushes and rewrites of configured repos not yet deployed, oldest first.</summary>
    Task<IReadOnlyList<Merge>> GetUndeployedMergesAsync(string? repo, CancellationToken cancellationToken);

    /// <summary>The production head of every configured repo that has one: what a rollout pins.</summary>
    Task<RevisionSet> GetHeadsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// How many repos have finished their first poll in this process (whatever its outcome), of how many. Until all
    /// have, the stored heads may be older than the remotes and no rollout is decided.
    /// </summary>
    FirstPolls FirstPolls { get; }

    /// <summary>Completes once every repo has finished its first poll in this process.</summary>
    Task WhenFirstPolledAsync(CancellationToken cancellationToken);

    /// <summary>True when <paramref name="ancestor"/> is in the repo's mirror and equals or precedes <paramref name="descendant"/>.</summary>
    Task<bool> IsAncestorAsync(string repo, string ancestor, string descendant, CancellationToken cancellationToken);
}

/// <summary>First polls done of the repos configured.</summary>
public sealed record FirstPolls(int Done, int Total)
{
    public bool Complete => Done >= Total;
}

/// <summary>What one poll found.</summary>
public sealed record PollResult(string Repo, PollOutcome Outcome, string? Head, Merge? Merge, RepoFailure? Error, int ConsecutiveFailures)
{
    public static PollResult Unknown(string repo) => new(repo, PollOutcome.UnknownRepo, null, null, new RepoFailure { Kind = RepoFailureKind.UnknownRepo, Repo = repo }, 0);
}

public enum PollOutcome
{
    /// <summary>The head did not move.</summary>
    Unchanged,

    /// <summary>A baseline, push or rewrite was recorded and published (see <see cref="PollResult.Merge"/>).</summary>
    Changed,

    /// <summary>The remote or the mirror failed; see <see cref="PollResult.Error"/>.</summary>
    Failed,

    /// <summary>No such repo in the config.</summary>
    UnknownRepo,
}
