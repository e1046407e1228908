using ChatOpsReconfig.Deployer.Bugs;
using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>
/// Bug comments given up or sent by an older build kept a sentence in the outbox entry (its error, its receipt); they
/// load with those words as they were. Entries kept since hold a typed drop and delivery, and no words.
/// </summary>
public sealed class LegacyBugCommentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-legacy-bugs-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly CancellationToken _ct = CancellationToken.None;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task OldSentencesLoadAsTheyWere_NewEntriesAreTyped()
    {
        using var db = new StoreDatabase(Path.Combine(_dir, "chatops.db"));
        var store = new LiteOutboxStore(db, _time);
        var outbox = new BugCommentOutbox(store, new LiteBugRecords(db, _time));
        var ids = new List<int>();
        foreach (var bug in new[] { 1, 2, 3, 4, 5, 6 })
        {
            var payload = $"{{\"Tracker\":\"bmo\",\"Bug\":{bug},\"RolloutId\":7,\"Text\":\"x\",\"Begun\":false}}";
            ids.Add((await store.EnqueueAsync(new OutboxMessage(OutboxKinds.BugComment, payload, BugCommentEntry.KeyOf("bmo", bug, 7)), _ct)).Id);
        }

        await store.MarkFailedAsync(ids[0], "bug 1 does not exist or is not accessible (HTTP 404)", _ct);
        await store.MarkSentAsync(ids[1], _time.GetUtcNow(), "found on the bug after a lost answer; not posted again", _ct);
        await store.MarkFailedAsync(ids[4], "{\"Reason\":2,\"Detail\":\"HTTP 400: too long\"}", _ct); // a drop as the first typed builds stored it
        await store.MarkAttemptFailedAsync(ids[5], "no answer in time", _time.GetUtcNow(), _ct);
        await outbox.MarkFailedAsync((await Entry(outbox, 3))!, new BugCommentDrop(BugCommentDropReason.Refused, new TrackerProblem(TrackerAnswer.Http, 400)), _ct);
        await outbox.MarkSentAsync((await Entry(outbox, 4))!, _time.GetUtcNow(), BugCommentDelivered.DryRun, _ct);

        var old = (await Entry(outbox, 1), await Entry(outbox, 2));
        Assert.Equal((BugCommentState.Failed, "bug 1 does not exist or is not accessible (HTTP 404)", (BugCommentDrop?)null), (old.Item1!.State, old.Item1.LegacyLastError, old.Item1.Dropped));
        Assert.Equal((BugCommentState.Sent, "found on the bug after a lost answer; not posted again", (BugCommentDelivered?)null), (old.Item2!.State, old.Item2.LegacyNote, old.Item2.Delivered));

        var older = (await Entry(outbox, 5), await Entry(outbox, 6));
        Assert.Equal((BugCommentDropReason.Refused, (TrackerProblem?)null, "HTTP 400: too long"), (older.Item1!.Dropped!.Reason, older.Item1.Dropped.Problem, older.Item1.Dropped.LegacyDetail));
        Assert.Equal(("no answer in time", (TrackerProblem?)null), (older.Item2!.LegacyLastError, older.Item2.LastProblem));

        var now = (await Entry(outbox, 3), await Entry(outbox, 4));
        Assert.Equal((new BugCommentDrop(BugCommentDropReason.Refused, new TrackerProblem(TrackerAnswer.Http, 400)), (string?)null), (now.Item1!.Dropped, now.Item1.LegacyLastError));
        Assert.Equal(((BugCommentDelivered?)BugCommentDelivered.DryRun, (string?)null), (now.Item2!.Delivered, now.Item2.LegacyNote));
    }

    private Task<BugCommentEntry?> Entry(BugCommentOutbox outbox, int bug) => outbox.FindAsync(BugCommentEntry.KeyOf("bmo", bug, 7), _ct);
}
