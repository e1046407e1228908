namespace ChatOpsReconfig.Deployer.Transport;

/// <summary>Runs shell commands on a host (a session, or a sequence within one).</summary>
public interface ICommandRunner
{
    /// <summary>
    /// Runs a shell command in the host's basedir. The timeout kills the command's process group.
    /// </summary>
    Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>How a host's sequence starts: whose it is, and what to do about a sequence already running there.</summary>
/// <param name="RolloutId">Written next to the host lock, so a later sequence knows whose the lock is.</param>
/// <param name="StopOrphansOf">A rollout the bot has marked interrupted: a sequence of it still holding the lock is an orphan and is stopped.</param>
/// <param name="LockWait">How long to wait for any other holder of the lock.</param>
public sealed record SequenceOptions(int RolloutId, int? StopOrphansOf, TimeSpan LockWait);

public enum LockAction
{
    /// <summary>No lock on this host (no <c>flock</c>, or the basedir is missing).</summary>
    None,

    /// <summary>Taken at once.</summary>
    Free,

    /// <summary>Another sequence held it; taken after it ended.</summary>
    Waited,

    /// <summary>An orphan of an interrupted rollout held it; its processes were stopped.</summary>
    Stopped,

    /// <summary>Still held by another sequence after the wait: nothing runs.</summary>
    TimedOut,
}

/// <summary>What taking the host lock did. <see cref="Holder"/> is the holder's rollout id, when one was found.</summary>
public sealed record HostLockResult(LockAction Action, int? Holder = null, int WaitedSeconds = 0);

/// <summary>A step the host's journal says has finished (tag as given to <see cref="IHostSequence.RunStepAsync"/>).</summary>
public sealed record JournalEntry(string Tag, int ExitCode);

/// <summary>
/// A host's whole sequence in one channel and one login shell: revision reads and steps run one after another, under
/// the host lock, until the sequence is disposed.
/// </summary>
public interface IHostSequence : ICommandRunner, IAsyncDisposable
{
    HostLockResult Lock { get; }

    /// <summary>Why the sequence could not start (channel failed); nothing runs then, nor when <see cref="Lock"/> timed out.</summary>
    CommandError? StartError { get; }

    /// <summary>The host's journal of finished steps, read at the start when orphans were looked for.</summary>
    IReadOnlyList<JournalEntry> Journal { get; }

    /// <summary>Runs a step; with a tag, its end is written to the host's journal before it is reported.</summary>
    Task<CommandOutcome> RunStepAsync(string command, TimeSpan timeout, string? tag, CancellationToken cancellationToken);
}

/// <summary>
/// A sequence made of separate commands, for sessions that have no driver (test doubles that wrap a session): no
/// lock, no journal.
/// </summary>
internal sealed class CommandSequence(ICommandRunner session) : IHostSequence
{
    public HostLockResult Lock { get; } = new(LockAction.None);

    public CommandError? StartError => null;

    public IReadOnlyList<JournalEntry> Journal => [];

    public Task<CommandOutcome> RunAsync(string command, TimeSpan timeout, CancellationToken cancellationToken) =>
        session.RunAsync(command, timeout, cancellationToken);

    public Task<CommandOutcome> RunStepAsync(string command, TimeSpan timeout, string? tag, CancellationToken cancellationToken) =>
        session.RunAsync(command, timeout, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
