using ChatOpsReconfig.Deployer.Rollout;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>One request that came through the door, what was decided and the rollout it started.</summary>
public sealed record DoorEntry
{
    public int Id { get; init; }

    public DateTimeOffset At { get; init; }

    public RolloutTrigger Trigger { get; init; }

    public string RequestedBy { get; init; } = "";

    public bool Force { get; init; }

    public bool Again { get; init; }

    public List<string>? Hosts { get; init; }

    public int? ResumeOf { get; init; }

    public int? RollbackTo { get; init; }

    public bool Started { get; init; }

    public PolicyBlocker Blocker { get; init; }

    /// <summary>The decision, as JSON (<see cref="PolicyDecisionJson"/>).</summary>
    public string Decision { get; init; } = "";

    public int? RolloutId { get; init; }

    public static DoorEntry From(DoorAnswer answer, DateTimeOffset at)
    {
        var r = answer.Request;
        return new DoorEntry
        {
            At = at,
            Trigger = r.Trigger,
            RequestedBy = r.RequestedBy,
            Force = r.Force,
            Again = r.Again,
            Hosts = r.Hosts?.ToList(),
            ResumeOf = r.ResumeOf,
            RollbackTo = r.RollbackTo,
            Started = answer.Started,
            Blocker = answer.Decision.Blocker,
            Decision = PolicyDecisionJson.Serialize(answer.Decision),
            RolloutId = answer.Rollout?.Id,
        };
    }
}

/// <summary>The requests the door answered (every manual one; automatic ones when they start a rollout).</summary>
public interface IDoorLog
{
    Task RecordAsync(DoorAnswer answer, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The last <paramref name="count"/> entries, newest first.</summary>
    Task<IReadOnlyList<DoorEntry>> LatestAsync(int count, CancellationToken cancellationToken);
}
