using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Store;

public sealed class LiteOutboxStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-outbox-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly CancellationToken _ct = CancellationToken.None;

    private string DbPath => Path.Combine(_dir, "chatops.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (StoreDatabase Db, LiteOutboxStore Outbox) CreateSut()
    {
        var db = new StoreDatabase(DbPath);
        return (db, new LiteOutboxStore(db, _time));
    }

    [Fact]
    public async Task Enqueue_SameKeyTwice_KeepsOneEntry_OtherKindsAndNoKeyAreSeparate()
    {
        var (db, outbox) = CreateSut();
        using var _ = db;

        var first = await outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.BugComment, "{\"n\":1}", "bug:123/rollout:12"), _ct);
        var again = await outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.BugComment, "{\"n\":2}", "bug:123/rollout:12"), _ct);
        await outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.Chat, "{}", "bug:123/rollout:12"), _ct);
        await outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.Chat, "{}"), _ct);
        await outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.Chat, "{}"), _ct);

        Assert.Equal(first.Id, again.Id);
        var bug = Assert.Single(await outbox.PendingAsync(OutboxKinds.BugComment, _ct));
        Assert.Equal("{\"n\":1}", bug.Payload);
        Assert.Equal(_time.GetUtcNow(), bug.CreatedAt);
        Assert.Equal(3, (await outbox.PendingAsync(OutboxKinds.Chat, _ct)).Count);
    }

    [Fact]
    public async Task Due_InEnqueueOrder_FailedAttemptWaitsForItsTime_SentAndFailedNeverDueAgain()
    {
        var (db, outbox) = CreateSut();
        using var _ = db;
        var entries = await outbox.EnqueueAsync(
            [.. Enumerable.Range(1, 4).Select(i => new OutboxMessage(OutboxKinds.BugComment, $"{{\"n\":{i}}}", $"k{i}"))], _ct);

        await outbox.MarkSentAsync(entries[0].Id, _time.GetUtcNow(), "comment-77", _ct);
        await outbox.MarkAttemptFailedAsync(entries[1].Id, "503 from Bugzilla", _time.GetUtcNow().AddMinutes(5), _ct);
        await outbox.MarkFailedAsync(entries[3].Id, "bug 999 does not exist", _ct);

        Assert.Equal([entries[2].Id], (await outbox.DueAsync(OutboxKinds.BugComment, _time.GetUtcNow(), 10, _ct)).Select(e => e.Id));
        _time.Advance(TimeSpan.FromMinutes(5));
        var due = await outbox.DueAsync(OutboxKinds.BugComment, _time.GetUtcNow(), 10, _ct);
        Assert.Equal([entries[1].Id, entries[2].Id], due.Select(e => e.Id));
        Assert.Equal(1, due[0].Attempts);
        Assert.Equal("503 from Bugzilla", due[0].LastError);
        Assert.Single(await outbox.DueAsync(OutboxKinds.BugComment, _time.GetUtcNow(), 1, _ct));

        var sent = await outbox.FindAsync(OutboxKinds.BugComment, "k1", _ct);
        Assert.Equal((OutboxState.Sent, "comment-77", 1), (sent!.State, sent.Receipt, sent.Attempts));
        Assert.NotNull(sent.DeliveredAt);
        Assert.Equal(
            [new OutboxCount(OutboxKinds.BugComment, OutboxState.Pending, 2), new OutboxCount(OutboxKinds.BugComment, OutboxState.Sent, 1), new OutboxCount(OutboxKinds.BugComment, OutboxState.Failed, 1)],
            await outbox.CountsAsync(_ct));
    }

    [Fact]
    public async Task List_OneKindInOneState_NewestFirst_AtMostMax()
    {
        var (db, outbox) = CreateSut();
        using var _ = db;
        var entries = await outbox.EnqueueAsync(
            [.. Enumerable.Range(1, 6).Select(i => new OutboxMessage(OutboxKinds.BugComment, $"{{\"n\":{i}}}", $"k{i}"))], _ct);
        await outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.Chat, "{}"), _ct);
        foreach (var i in new[] { 0, 2, 4 }) await outbox.MarkSentAsync(entries[i].Id, _time.GetUtcNow(), null, _ct);
        await outbox.MarkFailedAsync(entries[1].Id, "bug 999 does not exist", _ct);

        Assert.Equal([entries[5].Id, entries[3].Id], (await outbox.ListAsync(OutboxKinds.BugComment, OutboxState.Pending, 10, _ct)).Select(e => e.Id));
        Assert.Equal([entries[1].Id], (await outbox.ListAsync(OutboxKinds.BugComment, OutboxState.Failed, 10, _ct)).Select(e => e.Id));
        Assert.Equal([entries[4].Id, entries[2].Id], (await outbox.ListAsync(OutboxKinds.BugComment, OutboxState.Sent, 2, _ct)).Select(e => e.Id));
        Assert.Single(await outbox.ListAsync(OutboxKinds.Chat, OutboxState.Pending, 10, _ct));
    }

    [Fact]
    public async Task ReplacePendingPayload_OnlyWhilePending()
    {
        var (db, outbox) = CreateSut();
        using var _ = db;
        var entry = await outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.Chat, "old", "rollout:1"), _ct);

        Assert.True(await outbox.ReplacePendingPayloadAsync(entry.Id, "new", _ct));
        await outbox.MarkSentAsync(entry.Id, _time.GetUtcNow(), "m1", _ct);
        Assert.False(await outbox.ReplacePendingPayloadAsync(entry.Id, "newer", _ct));

        Assert.Equal("new", (await outbox.FindAsync(OutboxKinds.Chat, "rollout:1", _ct))!.Payload);
    }

    [Fact]
    public async Task Entries_SurviveReopen()
    {
        var (db, outbox) = CreateSut();
        await outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.BugComment, "{}", "bug:1/rollout:1"), _ct);
        db.Dispose();

        var (db2, outbox2) = CreateSut();
        using var _ = db2;
        await outbox2.EnqueueAsync(new OutboxMessage(OutboxKinds.BugComment, "{}", "bug:1/rollout:1"), _ct);
        Assert.Single(await outbox2.PendingAsync(OutboxKinds.BugComment, _ct));
    }
}
