namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>How a request to a tracker failed.</summary>
public enum TrackerAnswer
{
    /// <summary>No answer within the per-try timeout (after the retries).</summary>
    NoAnswer,

    /// <summary>No connection: name not found, refused, TLS failed (the system's reason in <see cref="TrackerProblem.Said"/>).</summary>
    CannotConnect,

    /// <summary>An HTTP error status (<see cref="TrackerProblem.Status"/>), with the tracker's own message if it gave one.</summary>
    Http,

    /// <summary>The tracker answered, but the bug was not in its answer.</summary>
    BugNotListed,
}

/// <summary>
/// What went wrong asking a tracker: data the store keeps and events carry; the Bot words it (BugDeliveryText).
/// <paramref name="Said"/> is the tracker's (or the system's) own words, cleaned and bounded, never ours.
/// </summary>
public sealed record TrackerProblem(TrackerAnswer Answer, int? Status = null, string? Said = null);
