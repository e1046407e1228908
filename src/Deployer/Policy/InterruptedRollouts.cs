using ChatOpsReconfig.Deployer.Rollout;
using Microsoft.Extensions.Options;

namespace ChatOpsReconfig.Deployer.Policy;

/// <summary>
/// Resumes a rollout a crash interrupted: once, through the door, with its pinned set, on the hosts that did not
/// finish (partial ones included). Holds and freezes make it wait; any other answer settles it.
/// </summary>
internal sealed class InterruptedRollouts(IRolloutStore rollouts, RolloutDoor door, IOptions<PolicyOptions> options)
{
    /// <summary>The door's answer for the newest interrupted rollout not yet settled, or null when there is none.</summary>
    public async Task<DoorAnswer?> TryResumeAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.AutoResumeInterrupted) return null;
        var latest = (await rollouts.LatestAsync(1, cancellationToken)).FirstOrDefault();
        if (latest is not { State: RolloutState.Interrupted, ResumeHandled: false }) return null;

        var answer = await door.RequestAsync(new RolloutRequest { Trigger = RolloutTrigger.Resume, ResumeOf = latest.Id }, cancellationToken);
        var waits = answer.Decision.Blocker is PolicyBlocker.Hold or PolicyBlocker.Freeze or PolicyBlocker.RolloutRunning or PolicyBlocker.NotReady;
        if (!answer.Started && waits)
            return answer with { Decision = answer.Decision with { Resume = new ResumeNote(latest.Id) } };

        // Started, or nothing left to do (every host finished, or none needs the set any more): not tried again.
        await rollouts.UpdateAsync(latest with { ResumeHandled = true }, cancellationToken);
        return answer.Started
            ? answer with { Decision = answer.Decision with { Resume = new ResumeNote(latest.Id, answer.Rollout!.Hosts.Count) } }
            : null;
    }
}
