using System.Text.Json;
using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Outbox;
using LiteDB;
using JsonSerializer = System.Text.Json.JsonSerializer;

namespace ChatOpsReconfig.Deployer.Store;

/// <summary>A rollout whose bug comments were planned (or the starting point when the feature was switched on).</summary>
internal sealed record BugPlan
{
    /// <summary>The rollout id.</summary>
    public int Id { get; init; }

    public DateTimeOffset PlannedAt { get; init; }
}

/// <summary>A tracker reported failing in chat, until a delivery to it succeeds (the tracker's name is the id).</summary>
internal sealed record BugAlarm
{
    public string Id { get; init; } = "";

    public DateTimeOffset Since { get; init; }
}

/// <summary>What the bug outbox keeps besides its entries: the rollouts planned (<c>bug_plans</c>) and the trackers reported failing (<c>bug_alarms</c>).</summary>
internal interface IBugRecords
{
    Task<bool> IsPlannedAsync(int rolloutId, CancellationToken cancellationToken);

    Task MarkPlannedAsync(int rolloutId, CancellationToken cancellationToken);

    Task<int?> LastPlannedAsync(CancellationToken cancellationToken);

    /// <summary>Records <paramref name="tracker"/> as reported failing; false when it already was.</summary>
    Task<bool> TryRaiseFailingAsync(string tracker, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Clears the failing mark; false when there was none.</summary>
    Task<bool> TryClearFailingAsync(string tracker, CancellationToken cancellationToken);
}

/// <summary><see cref="IBugRecords"/> in the LiteDB store.</summary>
internal sealed class LiteBugRecords(StoreDatabase db, TimeProvider time) : IBugRecords
{
    private ILiteCollection<BugPlan> Plans => db.Collection<BugPlan>(StoreCollections.BugPlans);

    private ILiteCollection<BugAlarm> Alarms => db.Collection<BugAlarm>(StoreCollections.BugAlarms);

    public Task<bool> IsPlannedAsync(int rolloutId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Plans.Exists(p => p.Id == rolloutId));
    }

    public Task MarkPlannedAsync(int rolloutId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        db.Write(() => Plans.Upsert(new BugPlan { Id = rolloutId, PlannedAt = time.GetUtcNow() }));
        return Task.CompletedTask;
    }

    public Task<int?> LastPlannedAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Plans.Count() == 0 ? null : (int?)Plans.Max(p => p.Id));
    }

    public Task<bool> TryRaiseFailingAsync(string tracker, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(db.Write(() =>
        {
            if (Alarms.FindById(tracker) is not null) return false;
            Alarms.Insert(new BugAlarm { Id = tracker, Since = at });
            return true;
        }));
    }

    public Task<bool> TryClearFailingAsync(string tracker, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Read first: a delivery to a healthy tracker (the usual case) writes nothing.
        return Task.FromResult(Alarms.FindById(tracker) is not null && db.Write(() => Alarms.Delete(tracker)));
    }
}

/// <summary>What a <c>bug-comment</c> outbox entry carries.</summary>
internal sealed record BugCommentPayload(string Tracker, int Bug, int RolloutId, string Text, bool Begun = false);

/// <summary>
/// Bug comments as entries of kind <see cref="OutboxKinds.BugComment"/> in the store's event outbox, keyed
/// <c>{tracker}/{bug}/{rollout}</c>; the planned rollouts in <c>bug_plans</c>; the trackers reported failing in
/// <c>bug_alarms</c>.
/// </summary>
internal sealed class BugCommentOutbox(IOutboxStore outbox, IBugRecords records) : IBugCommentOutbox
{
    private const string Kind = OutboxKinds.BugComment;

    public async Task<bool> TryAddAsync(BugCommentEntry entry, CancellationToken cancellationToken)
    {
        if (await outbox.FindAsync(Kind, entry.Key, cancellationToken) is not null) return false;
        var payload = JsonSerializer.Serialize(new BugCommentPayload(entry.Tracker, entry.Bug, entry.RolloutId, entry.Text));
        await outbox.EnqueueAsync(new OutboxMessage(Kind, payload, entry.Key), cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<BugCommentEntry>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        (await outbox.DueAsync(Kind, now, int.MaxValue, cancellationToken)).Select(View).ToList();

    public async Task<IReadOnlyList<BugCommentEntry>> PendingAsync(CancellationToken cancellationToken) =>
        (await outbox.PendingAsync(Kind, cancellationToken)).Select(View).ToList();

    public Task MarkBegunAsync(BugCommentEntry entry, CancellationToken cancellationToken) =>
        outbox.ReplacePendingPayloadAsync(entry.Id, JsonSerializer.Serialize(new BugCommentPayload(entry.Tracker, entry.Bug, entry.RolloutId, entry.Text, Begun: true)), cancellationToken);

    // The receipt of a bug comment is how it got there, by the enum's name.
    public Task MarkSentAsync(BugCommentEntry entry, DateTimeOffset at, BugCommentDelivered how, CancellationToken cancellationToken) =>
        outbox.MarkSentAsync(entry.Id, at, how.ToString(), cancellationToken);

    // The error of a failed try is the tracker's problem as JSON; older builds stored a sentence there.
    public Task MarkAttemptFailedAsync(BugCommentEntry entry, TrackerProblem problem, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken) =>
        outbox.MarkAttemptFailedAsync(entry.Id, JsonSerializer.Serialize(problem), nextAttemptAt, cancellationToken);

    // The error of a comment given up is its drop as JSON; older builds stored a sentence there.
    public Task MarkFailedAsync(BugCommentEntry entry, BugCommentDrop drop, CancellationToken cancellationToken) =>
        outbox.MarkFailedAsync(entry.Id, JsonSerializer.Serialize(drop), cancellationToken);

    public async Task<BugCommentEntry?> FindAsync(string key, CancellationToken cancellationToken) =>
        await outbox.FindAsync(Kind, key, cancellationToken) is { } e ? View(e) : null;

    public async Task<IReadOnlyList<BugCommentEntry>> RecentAsync(int sent, CancellationToken cancellationToken)
    {
        var pending = await outbox.ListAsync(Kind, OutboxState.Pending, int.MaxValue, cancellationToken);
        var failed = await outbox.ListAsync(Kind, OutboxState.Failed, int.MaxValue, cancellationToken);
        var done = await outbox.ListAsync(Kind, OutboxState.Sent, sent, cancellationToken);
        return pending.Concat(failed).Concat(done).OrderByDescending(e => e.Id).Select(View).ToList();
    }

    public Task<bool> TryRaiseFailingAsync(string tracker, DateTimeOffset at, CancellationToken cancellationToken) =>
        records.TryRaiseFailingAsync(tracker, at, cancellationToken);

    public Task<bool> TryClearFailingAsync(string tracker, CancellationToken cancellationToken) => records.TryClearFailingAsync(tracker, cancellationToken);

    public Task<bool> IsPlannedAsync(int rolloutId, CancellationToken cancellationToken) => records.IsPlannedAsync(rolloutId, cancellationToken);

    public Task MarkPlannedAsync(int rolloutId, CancellationToken cancellationToken) => records.MarkPlannedAsync(rolloutId, cancellationToken);

    public Task<int?> LastPlannedAsync(CancellationToken cancellationToken) => records.LastPlannedAsync(cancellationToken);

    private static BugCommentEntry View(OutboxEntry e)
    {
        var p = JsonSerializer.Deserialize<BugCommentPayload>(e.Payload) ?? throw new InvalidDataException($"outbox entry {e.Id} has no bug comment");
        var drop = e.State == OutboxState.Failed ? Read<BugCommentDrop>(e.LastError) : null;
        var problem = e.State == OutboxState.Pending ? Read<TrackerProblem>(e.LastError) : null;
        var how = e.State == OutboxState.Sent ? ReadDelivered(e.Receipt) : null;
        return new BugCommentEntry
        {
            Id = e.Id, Key = e.Key ?? "", Tracker = p.Tracker, Bug = p.Bug, RolloutId = p.RolloutId, Text = p.Text, Begun = p.Begun,
            State = e.State switch { OutboxState.Sent => BugCommentState.Sent, OutboxState.Failed => BugCommentState.Failed, _ => BugCommentState.Pending },
            Attempts = e.Attempts, NextAttemptAt = e.NextAttemptAt, CreatedAt = e.CreatedAt, DeliveredAt = e.DeliveredAt,
            LastProblem = problem, LegacyLastError = drop is null && problem is null ? e.LastError : null, Dropped = drop, Delivered = how, LegacyNote = how is null ? e.Receipt : null,
        };
    }

    private static T? Read<T>(string? error) where T : class
    {
        if (error is null || !error.StartsWith('{')) return null;
        try
        {
            return JsonSerializer.Deserialize<T>(error);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // By name only: an older build's note ("posted", "dry run: logged, not sent") stays a note.
    private static BugCommentDelivered? ReadDelivered(string? receipt) =>
        receipt is not null && Enum.GetNames<BugCommentDelivered>().Contains(receipt, StringComparer.Ordinal) ? Enum.Parse<BugCommentDelivered>(receipt) : null;
}
