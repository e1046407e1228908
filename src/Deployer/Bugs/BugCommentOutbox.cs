using ChatOpsReconfig.Deployer.Store;
using LiteDB;

namespace ChatOpsReconfig.Deployer.Bugs;

/// <summary>A rollout whose bug comments were planned (or the starting point when the feature was switched on).</summary>
internal sealed record BugPlan
{
    /// <summary>The rollout id.</summary>
    public int Id { get; init; }

    public DateTimeOffset PlannedAt { get; init; }
}

/// <summary>
/// The bug comment outbox in the store (collections <c>bug_comments</c> and <c>bug_plans</c>). One writer process at
/// a time (the store's lock), so check-then-insert in one transaction keeps keys unique.
/// </summary>
internal sealed class BugCommentOutbox(StoreDatabase db, TimeProvider time) : IBugCommentOutbox
{
    private ILiteCollection<BugCommentEntry> Entries => db.Collection<BugCommentEntry>(StoreCollections.BugComments);

    private ILiteCollection<BugPlan> Plans => db.Collection<BugPlan>(StoreCollections.BugPlans);

    public bool TryAdd(BugCommentEntry entry)
    {
        var added = false;
        db.InTransaction(() =>
        {
            if (Entries.Exists(Query.EQ(nameof(BugCommentEntry.Key), entry.Key))) return;
            Entries.Insert(entry with { Id = 0 });
            added = true;
        });
        return added;
    }

    public IReadOnlyList<BugCommentEntry> Due(DateTimeOffset now) =>
        Pending().Where(e => e.NextAttemptAt <= now).OrderBy(e => e.Id).ToList();

    public DateTimeOffset? NextDue() => Pending().Select(e => (DateTimeOffset?)e.NextAttemptAt).Min();

    public void Update(BugCommentEntry entry) => Entries.Update(entry);

    public BugCommentEntry? Find(string key) => Entries.FindOne(Query.EQ(nameof(BugCommentEntry.Key), key));

    public IReadOnlyList<BugCommentEntry> Recent(int count)
    {
        var open = Entries.Find(Query.Not(nameof(BugCommentEntry.State), BugCommentState.Sent.ToString())).ToList();
        var sent = Entries.Find(Query.All(Query.Descending), limit: count).Where(e => e.State == BugCommentState.Sent);
        return open.Concat(sent).DistinctBy(e => e.Id).OrderByDescending(e => e.Id).Take(Math.Max(count, open.Count)).ToList();
    }

    public bool IsPlanned(int rolloutId) => Plans.Exists(p => p.Id == rolloutId);

    public void MarkPlanned(int rolloutId) => Plans.Upsert(new BugPlan { Id = rolloutId, PlannedAt = time.GetUtcNow() });

    public int? LastPlanned() => Plans.Count() == 0 ? null : Plans.Max(p => p.Id);

    private IEnumerable<BugCommentEntry> Pending() => Entries.Find(Query.EQ(nameof(BugCommentEntry.State), BugCommentState.Pending.ToString()));
}
