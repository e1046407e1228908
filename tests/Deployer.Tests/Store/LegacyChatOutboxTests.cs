using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Store;
using LiteDB;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Store;

/// <summary>Chat messages an older build left pending in <c>chat_outbox</c> are delivered by this one, in order, once.</summary>
public sealed class LegacyChatOutboxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chatops-legacy-outbox-").FullName;

    private string DbPath => Path.Combine(_dir, "chatops.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Open_OldChatOutbox_PendingMessagesMoveToTheOutboxInOrder_SentOnesAndTheOldCollectionGo()
    {
        var at = new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);
        using (var old = new LiteDatabase(new ConnectionString { Filename = DbPath, Connection = ConnectionType.Direct }))
        {
            var c = old.GetCollection("chat_outbox", BsonAutoId.Int32);
            c.Insert(new BsonDocument { ["Channel"] = "releng", ["Text"] = "delivered before", ["State"] = "Sent", ["Attempts"] = 1, ["CreatedAt"] = at.UtcTicks });
            c.Insert(new BsonDocument { ["Channel"] = "releng", ["Text"] = "first", ["State"] = "Pending", ["Attempts"] = 2, ["CreatedAt"] = at.UtcTicks });
            c.Insert(new BsonDocument { ["Channel"] = "releng", ["Text"] = "rollout #3: 1/5", ["State"] = "Pending", ["Attempts"] = 0, ["CreatedAt"] = at.UtcTicks, ["ProgressKey"] = "rollout:3" });
        }

        for (var open = 0; open < 2; open++)
        {
            using var db = new StoreDatabase(DbPath);
            var pending = await new LiteOutboxStore(db, new FakeTimeProvider(at)).PendingAsync(OutboxKinds.Chat, CancellationToken.None);

            Assert.Equal(["{\"Channel\":\"releng\",\"Text\":\"first\"}", "{\"Channel\":\"releng\",\"Text\":\"rollout #3: 1/5\"}"], pending.Select(e => e.Payload));
            Assert.Equal([null, "rollout:3"], pending.Select(e => e.Key));
            Assert.Equal([2, 0], pending.Select(e => e.Attempts));
            Assert.All(pending, e => Assert.Equal(at, e.CreatedAt));
        }

        using var reader = new LiteDatabase(new ConnectionString { Filename = DbPath, Connection = ConnectionType.Direct, ReadOnly = true });
        Assert.DoesNotContain("chat_outbox", reader.GetCollectionNames());
    }
}
