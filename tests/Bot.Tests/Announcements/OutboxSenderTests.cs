using ChatOpsReconfig.Bot.Announcements;
using ChatOpsReconfig.Bot.Chat.Console;
using ChatOpsReconfig.Bot.Hosting;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Deployer.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Bot.Tests.Announcements;

public sealed class OutboxSenderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("outbox-").FullName;
    private readonly TimerWatchingTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly FlakyChatOutput _output = new();

    private string DbPath => Path.Combine(_dir, "chatops.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (StoreDatabase Db, ChatOutbox Outbox, OutboxSender Sender) CreateSut()
    {
        var db = new StoreDatabase(DbPath);
        var outbox = new ChatOutbox(new LiteOutboxStore(db, _time));
        var transport = new ConsoleChatTransport(new ChatOptions(), new StringReader(""), _output);
        return (db, outbox, new OutboxSender(outbox, transport, _time, NullLogger<OutboxSender>.Instance));
    }

    [Fact]
    public async Task Flush_TransportFails_MessagesKeptAndDeliveredLaterInOrderOnce()
    {
        var (db, outbox, sender) = CreateSut();
        using var _ = db;
        await outbox.EnqueueAsync("releng", "first");
        await outbox.EnqueueAsync("releng", "second");
        _output.Broken = true;

        Assert.False(await sender.FlushAsync(CancellationToken.None));
        Assert.Equal(2, await outbox.PendingCountAsync());
        Assert.Equal("", _output.Text);

        _output.Broken = false;
        await outbox.EnqueueAsync("releng", "third");
        Assert.True(await sender.FlushAsync(CancellationToken.None));
        Assert.True(await sender.FlushAsync(CancellationToken.None));

        Assert.Equal("[#releng] first\n[#releng] second\n[#releng] third\n", _output.Text);
        Assert.Equal(0, await outbox.PendingCountAsync());
    }

    [Fact]
    public async Task Flush_ByALeaderWhoseLeaseRanOut_PostsNothing_LeavesItPendingForTheNextLeader()
    {
        var db = new StoreDatabase(DbPath);
        using var _ = db;
        var outbox = new ChatOutbox(new LiteOutboxStore(db, _time));
        var transport = new ConsoleChatTransport(new ChatOptions(), new StringReader(""), _output);
        var leadership = new LeaderState("bot-a", shared: true, _time.GetUtcNow(), _time);
        var sender = new OutboxSender(outbox, transport, _time, NullLogger<OutboxSender>.Instance, leadership: leadership);
        leadership.Saw(new Leader("bot-a", _time.GetUtcNow()), holdsLease: true);
        leadership.Renewed(_time.GetTimestamp(), TimeSpan.FromSeconds(15));

        await outbox.EnqueueAsync("releng", "while leading");
        Assert.True(await sender.FlushAsync(CancellationToken.None));

        // Paused past its lease (SIGSTOP): it wakes still thinking it leads, until its lease loop looks again.
        _time.Advance(TimeSpan.FromSeconds(20));
        await outbox.EnqueueAsync("releng", "pending when it woke up");
        Assert.False(leadership.MayAct);
        Assert.False(await sender.FlushAsync(CancellationToken.None));
        Assert.Equal("[#releng] while leading\n", _output.Text);
        Assert.Equal(1, await outbox.PendingCountAsync());

        // Renewed again (still the holder): it delivers.
        leadership.Renewed(_time.GetTimestamp(), TimeSpan.FromSeconds(15));
        Assert.True(await sender.FlushAsync(CancellationToken.None));
        Assert.Equal("[#releng] while leading\n[#releng] pending when it woke up\n", _output.Text);
    }

    [Fact]
    public void MayAct_AloneAlways_SharedOnlyWhileTheRenewedLeaseLasts()
    {
        Assert.True(new LeaderState("solo", shared: false, _time.GetUtcNow(), _time).MayAct);
        var shared = new LeaderState("bot-b", shared: true, _time.GetUtcNow(), _time);
        Assert.False(shared.MayAct); // a standby
        shared.Saw(new Leader("bot-b", _time.GetUtcNow()), holdsLease: true);
        Assert.False(shared.MayAct); // holds it, but no renewal seen yet
        shared.Renewed(_time.GetTimestamp(), TimeSpan.FromSeconds(10));
        Assert.True(shared.MayAct);
        _time.Advance(TimeSpan.FromSeconds(7.9)); // within four fifths of the lease
        Assert.True(shared.MayAct);
        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.False(shared.MayAct);
    }

    [Fact]
    public async Task Pending_SurvivesRestart_DeliveredByTheNextProcess()
    {
        var (db, outbox, _) = CreateSut();
        await outbox.EnqueueAsync("releng", "queued while chat was down");
        db.Dispose();

        var (db2, outbox2, sender2) = CreateSut();
        using var __ = db2;
        Assert.Equal(1, await outbox2.PendingCountAsync());
        Assert.True(await sender2.FlushAsync(CancellationToken.None));
        Assert.Equal("[#releng] queued while chat was down\n", _output.Text);
    }

    [Fact]
    public async Task Loop_TransportDown_BacksOffWithoutHotLoopingAndDeliversAfterRecovery()
    {
        var (db, outbox, sender) = CreateSut();
        using var _ = db;
        _output.Broken = true;
        await outbox.EnqueueAsync("releng", "hello");
        await sender.StartAsync(CancellationToken.None);

        // The sender failed once and now waits for its 1 s backoff on the clock; without time passing it must not try again.
        await WaitUntil(() => _time.DueTimes.Contains(TimeSpan.FromSeconds(1)));
        Assert.Equal(1, _output.Attempts);

        _output.Broken = false;
        _time.Advance(TimeSpan.FromSeconds(1));
        await WaitUntil(() => _output.Text.Length > 0);
        Assert.Equal("[#releng] hello\n", _output.Text);
        await sender.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task EditProgress_BeforeDelivery_UpdatesTheQueuedText()
    {
        var (db, outbox, sender) = CreateSut();
        using var _ = db;
        await outbox.EnqueueAsync("releng", "rollout #1: 0/5 done…", "rollout:1");
        await sender.EditProgressAsync("rollout:1", "rollout #1: 2/5 done…", CancellationToken.None);
        await sender.FlushAsync(CancellationToken.None);
        await sender.EditProgressAsync("rollout:1", "rollout #1: 5/5 done", CancellationToken.None);
        Assert.Equal("[#releng] rollout #1: 2/5 done…\n[#releng] rollout #1: 5/5 done\n", _output.Text);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException();
            await Task.Yield();
            await Task.Delay(5);
        }
    }

    /// <summary>A fake clock that records the due time of every timer made on it, so a test can see what the code waits for.</summary>
    private sealed class TimerWatchingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<TimeSpan> _dueTimes = new();

        public IReadOnlyCollection<TimeSpan> DueTimes => _dueTimes;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _dueTimes.Enqueue(dueTime);
            return timer;
        }
    }
}
