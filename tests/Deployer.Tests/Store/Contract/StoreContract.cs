using ChatOpsReconfig.Deployer.Audit;
using ChatOpsReconfig.Deployer.Locks;
using ChatOpsReconfig.Deployer.Outbox;
using ChatOpsReconfig.Deployer.Policy;
using ChatOpsReconfig.Deployer.Repos;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Status;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Deployer.Tests.Store.Contract;

/// <summary>Every feature store of one store kind, opened on one database.</summary>
internal sealed record StoresUnderTest(
    IRolloutStore Rollouts,
    IRepoStore Repos,
    ILockStore Locks,
    IFreezeStore Freezes,
    IPolicyStateStore Policy,
    ILiveEstimateStore Estimates,
    IAuditLog Audit,
    IDoorLog Doors,
    IOutboxStore Outbox,
    ChatOpsReconfig.Deployer.Store.IBugRecords Bugs,
    IRolloutRetention Retention);

/// <summary>
/// What every store kind must do the same way (issue 11: "one contract test suite runs against both stores"). Each
/// kind derives from this class and says how to open its stores; <see cref="ReopenAsync"/> opens them again on the
/// same data, as a restarted bot would.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    /// <summary>The stores' <c>store.keepRolloutDetail</c>.</summary>
    protected const int KeepRolloutDetail = 2;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    private protected StoresUnderTest S { get; private set; } = null!;

    /// <summary>Opens a fresh, empty store.</summary>
    private protected abstract Task<StoresUnderTest> CreateAsync();

    /// <summary>Drops every open handle and opens the same store again.</summary>
    private protected abstract Task<StoresUnderTest> ReopenAsync();

    public virtual async Task InitializeAsync() => S = await CreateAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static RolloutRecord Rollout(string by, RolloutState state = RolloutState.Running) => new()
    {
        StartedAt = DateTimeOffset.UnixEpoch, StartedBy = by, State = state, Trigger = RolloutTrigger.Automatic,
        Revisions = { ["tools"] = "abc123" }, Hosts = ["bm02", "bm01"],
        Changes = [new RepoChange { Repo = "tools", To = "abc123", Commits = [new ChangeCommit { Rev = "abc123", Author = "alice", Summary = "Bug 1 - x", Bugs = [1] }], TotalCommits = 1 }],
    };

    [Fact]
    public async Task Rollouts_get_increasing_ids_and_read_back_whole_after_a_restart()
    {
        var first = await S.Rollouts.InsertAsync(Rollout("alice"), CancellationToken.None);
        var second = await S.Rollouts.InsertAsync(Rollout("bob"), CancellationToken.None);
        Assert.Equal(first + 1, second);
        await S.Rollouts.UpdateAsync((await S.Rollouts.GetAsync(first, CancellationToken.None))! with { State = RolloutState.Succeeded, Tally = new RolloutTally { Total = 1, Ok = 1 } }, CancellationToken.None);

        S = await ReopenAsync();
        var read = (await S.Rollouts.GetAsync(first, CancellationToken.None))!;
        Assert.Equal(RolloutState.Succeeded, read.State);
        Assert.Equal("abc123", read.Revisions["tools"]);
        Assert.Equal(["bm02", "bm01"], read.Hosts);
        Assert.Equal([1], Assert.Single(Assert.Single(read.Changes).Commits).Bugs);
        Assert.Equal([second, first], (await S.Rollouts.LatestAsync(5, CancellationToken.None)).Select(r => r.Id));
        Assert.Equal([second], (await S.Rollouts.WithStateAsync(RolloutState.Running, CancellationToken.None)).Select(r => r.Id));
        Assert.True((await S.Rollouts.AnyWithStateAsync(RolloutState.Succeeded, CancellationToken.None)));
        Assert.False((await S.Rollouts.AnyWithStateAsync(RolloutState.Interrupted, CancellationToken.None)));
        Assert.Null((await S.Rollouts.GetAsync(999, CancellationToken.None)));
    }

    [Fact]
    public async Task Host_results_are_per_rollout_and_in_host_order()
    {
        var id = await S.Rollouts.InsertAsync(Rollout("alice"), CancellationToken.None);
        var other = await S.Rollouts.InsertAsync(Rollout("bob"), CancellationToken.None);
        foreach (var host in new[] { "bm03", "bm01", "bm02" })
            await S.Rollouts.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, host), RolloutId = id, Host = host, Outcome = HostOutcome.Ok }, CancellationToken.None);
        await S.Rollouts.SaveHostAsync(new HostResult { Id = HostResult.MakeId(other, "bm09"), RolloutId = other, Host = "bm09" }, CancellationToken.None);
        await S.Rollouts.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, "bm02"), RolloutId = id, Host = "bm02", Outcome = HostOutcome.Failed, FailedStep = "checkconfig" }, CancellationToken.None);

        Assert.Equal(["bm01", "bm02", "bm03"], (await S.Rollouts.GetHostsAsync(id, CancellationToken.None)).Select(h => h.Host));
        Assert.Equal("checkconfig", (await S.Rollouts.GetHostAsync(id, "bm02", CancellationToken.None))!.FailedStep);
        Assert.Null((await S.Rollouts.GetHostAsync(id, "bm09", CancellationToken.None)));
    }

    [Fact]
    public async Task Host_states_saved_show_on_the_next_read_here_and_after_a_restart()
    {
        await S.Rollouts.SaveHostStateAsync(new HostState { Id = "bm01", Revisions = { ["tools"] = "aaa" } }, CancellationToken.None);
        Assert.Equal("aaa", Assert.Single((await S.Rollouts.GetHostStatesAsync(CancellationToken.None))).Revisions["tools"]);
        await S.Rollouts.SaveHostStateAsync(new HostState { Id = "bm01", Revisions = { ["tools"] = "bbb" }, LastOutcome = HostOutcome.Failed }, CancellationToken.None);
        await S.Rollouts.SaveHostStateAsync(new HostState { Id = "bm02", Revisions = { ["tools"] = "ccc" } }, CancellationToken.None);

        var states = (await S.Rollouts.GetHostStatesAsync(CancellationToken.None)).ToDictionary(s => s.Id);
        Assert.Equal("bbb", states["bm01"].Revisions["tools"]);
        Assert.Equal(HostOutcome.Failed, states["bm01"].LastOutcome);

        S = await ReopenAsync();
        Assert.Equal(["bm01", "bm02"], (await S.Rollouts.GetHostStatesAsync(CancellationToken.None)).Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.Equal("ccc", (await S.Rollouts.GetHostStateAsync("bm02", CancellationToken.None))!.Revisions["tools"]);
        Assert.Null((await S.Rollouts.GetHostStateAsync("bm99", CancellationToken.None)));
    }

    [Fact]
    public async Task A_probe_never_moves_a_host_backward_past_a_rollout_that_finished_it_meanwhile()
    {
        var t0 = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        // A host never seen: the probe's revisions are stored.
        await S.Rollouts.WriteAsync([new RolloutWrite.SaveProbe("bm01", t0, t0.AddSeconds(1), new Dictionary<string, string> { ["tools"] = "old" }, null)], CancellationToken.None);
        Assert.Equal("old", (await S.Rollouts.GetHostStateAsync("bm01", CancellationToken.None))!.Revisions["tools"]);

        // A rollout finishes the host while a second probe, begun before that, is still reading: the probe is dropped.
        var finished = new HostState { Id = "bm01", Revisions = { ["tools"] = "new" }, RevisionsAt = t0.AddSeconds(20), LastOutcome = HostOutcome.Ok, LastRolloutId = 7, LastRolloutAt = t0.AddSeconds(20) };
        await S.Rollouts.SaveHostStateAsync(finished, CancellationToken.None);
        await S.Rollouts.WriteAsync([new RolloutWrite.SaveProbe("bm01", t0.AddSeconds(10), t0.AddSeconds(30), new Dictionary<string, string> { ["tools"] = "old" }, null)], CancellationToken.None);
        var kept = (await S.Rollouts.GetHostStatesAsync(CancellationToken.None)).Single(s => s.Id == "bm01");
        Assert.Equal(("new", HostOutcome.Ok, 7), (kept.Revisions["tools"], kept.LastOutcome, kept.LastRolloutId));

        // A later probe that cannot connect marks the host unreachable and keeps what the rollout left.
        await S.Rollouts.WriteAsync([new RolloutWrite.SaveProbe("bm01", t0.AddMinutes(1), t0.AddMinutes(1), null, HostFailure.Of(HostFailureKind.Connect, "refused"))], CancellationToken.None);
        var down = (await S.Rollouts.GetHostStateAsync("bm01", CancellationToken.None))!;
        Assert.Equal((HostOutcome.Unreachable, HostFailureKind.Connect, "new", 7), (down.LastOutcome, down.LastFailure!.Kind, down.Revisions["tools"], down.LastRolloutId));

        // And one that reads it again clears the failure.
        await S.Rollouts.WriteAsync([new RolloutWrite.SaveProbe("bm01", t0.AddMinutes(2), t0.AddMinutes(2), new Dictionary<string, string> { ["tools"] = "new" }, null)], CancellationToken.None);
        var back = (await S.Rollouts.GetHostStateAsync("bm01", CancellationToken.None))!;
        Assert.Equal((HostOutcome.Pending, (HostFailure?)null, t0.AddMinutes(2)), (back.LastOutcome, back.LastFailure, back.RevisionsAt));
    }

    [Fact]
    public async Task A_batch_that_fails_leaves_nothing_behind()
    {
        var id = await S.Rollouts.InsertAsync(Rollout("alice"), CancellationToken.None);
        var running = (await S.Rollouts.GetAsync(id, CancellationToken.None))!;

        // The last write has no id: the store refuses it, after the first two were applied in the transaction.
        await Assert.ThrowsAnyAsync<Exception>(() => S.Rollouts.WriteAsync(
            [
                new RolloutWrite.UpdateRollout(running with { State = RolloutState.Succeeded }),
                new RolloutWrite.SaveHostState(new HostState { Id = "bm01" }),
                new RolloutWrite.SaveHost(new HostResult { Id = null!, RolloutId = id, Host = "bm01" }),
            ],
            CancellationToken.None));

        Assert.Equal(RolloutState.Running, (await S.Rollouts.GetAsync(id, CancellationToken.None))!.State);
        Assert.Empty(await S.Rollouts.GetHostStatesAsync(CancellationToken.None));
        Assert.Empty(await S.Rollouts.GetHostsAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Insert_saves_the_hosts_first_results_with_the_new_id()
    {
        var id = await S.Rollouts.InsertAsync(Rollout("alice"), [new HostResult { Host = "bm02", Role = "master" }, new HostResult { Host = "bm01", Canary = true }], CancellationToken.None);

        var hosts = await S.Rollouts.GetHostsAsync(id, CancellationToken.None);
        Assert.Equal([HostResult.MakeId(id, "bm01"), HostResult.MakeId(id, "bm02")], hosts.Select(h => h.Id));
        Assert.All(hosts, h => Assert.Equal(id, h.RolloutId));
        Assert.True(hosts[0].Canary);
    }

    private async Task<int> FinishedWithHostsAsync(params string[] hosts)
    {
        var id = await S.Rollouts.InsertAsync(Rollout("alice", RolloutState.Succeeded) with { Hosts = [.. hosts], Tally = new RolloutTally { Total = hosts.Length, Ok = hosts.Length } }, CancellationToken.None);
        foreach (var host in hosts)
            await S.Rollouts.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, host), RolloutId = id, Host = host, Outcome = HostOutcome.Ok }, CancellationToken.None);
        return id;
    }

    [Fact]
    public async Task Retention_keeps_the_host_detail_of_the_newest_rollouts_and_every_summary()
    {
        var ids = new List<int>();
        for (var i = 0; i < 5; i++) ids.Add(await FinishedWithHostsAsync("bm01", "bm02", "bm03"));
        await S.Rollouts.SaveHostStateAsync(new HostState { Id = "bm01", Revisions = { ["tools"] = "abc123" }, LastRolloutId = ids[0] }, CancellationToken.None);

        Assert.Equal(3 * (5 - KeepRolloutDetail), await S.Retention.PruneAsync(CancellationToken.None));
        Assert.Equal(0, await S.Retention.PruneAsync(CancellationToken.None));

        S = await ReopenAsync();
        var counts = new List<int>();
        foreach (var id in ids) counts.Add((await S.Rollouts.GetHostsAsync(id, CancellationToken.None)).Count);
        Assert.Equal([0, 0, 0, 3, 3], counts);
        var summaries = await S.Rollouts.LatestAsync(10, CancellationToken.None);
        Assert.Equal(ids.AsEnumerable().Reverse(), summaries.Select(r => r.Id));
        Assert.All(summaries, r => Assert.Equal((RolloutState.Succeeded, 3, 3), (r.State, r.Tally!.Ok, r.Hosts.Count)));
        Assert.Equal(ids[0], (await S.Rollouts.GetHostStateAsync("bm01", CancellationToken.None))!.LastRolloutId); // what a host runs is not detail
    }

    [Fact]
    public async Task Retention_with_fewer_rollouts_than_kept_deletes_nothing()
    {
        Assert.Equal(0, await S.Retention.PruneAsync(CancellationToken.None));
        var ids = new List<int>();
        for (var i = 0; i < KeepRolloutDetail; i++) ids.Add(await FinishedWithHostsAsync("bm01"));

        Assert.Equal(0, await S.Retention.PruneAsync(CancellationToken.None));
        foreach (var id in ids) Assert.Single(await S.Rollouts.GetHostsAsync(id, CancellationToken.None));
    }

    [Fact]
    public async Task Parallel_inserts_get_distinct_ids()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => S.Rollouts.InsertAsync(Rollout($"u{i}"), CancellationToken.None))));
        Assert.Equal(20, ids.Distinct().Count());
        Assert.Equal(20, (await S.Rollouts.LatestAsync(100, CancellationToken.None)).Count);
    }

    private static Merge Push(string repo, string? from, string to, MergeKind kind = MergeKind.Push) =>
        new() { Repo = repo, Branch = "production", Kind = kind, OldHead = from, NewHead = to, DetectedAt = DateTimeOffset.UnixEpoch };

    private static RepoState Head(string repo, string head) => new() { Id = repo, Branch = "production", Head = head, LastPollOk = true };

    [Fact]
    public async Task Merges_are_recorded_once_with_one_announce_entry_each_and_deployed_up_to_a_revision()
    {
        var baseline = await S.Repos.RecordMergeAsync(Push("tools", null, "a000000000", MergeKind.Baseline), Head("tools", "a000000000"), CancellationToken.None);
        var one = await S.Repos.RecordMergeAsync(Push("tools", "a000000000", "b111111111"), Head("tools", "b111111111"), CancellationToken.None);
        var again = await S.Repos.RecordMergeAsync(Push("tools", "a000000000", "b111111111"), Head("tools", "b111111111"), CancellationToken.None); // crash between merge and head
        var two = await S.Repos.RecordMergeAsync(Push("tools", "b111111111", "c222222222"), Head("tools", "c222222222"), CancellationToken.None);
        await S.Repos.RecordMergeAsync(Push("configs", null, "x999"), Head("configs", "x999"), CancellationToken.None);

        Assert.True(baseline.Created && one.Created && two.Created);
        Assert.False(again.Created);
        Assert.Equal(one.Merge.Id, again.Merge.Id);
        Assert.Equal("c222222222", (await S.Repos.GetStateAsync("tools", CancellationToken.None))!.Head);
        Assert.Equal(["configs", "tools"], (await S.Repos.GetStatesAsync(CancellationToken.None)).Select(s => s.Id).Order(StringComparer.Ordinal));
        Assert.Equal([two.Merge.Id, one.Merge.Id], (await S.Repos.GetLatestMergesAsync("tools", 2, CancellationToken.None)).Select(m => m.Id));
        Assert.Equal([one.Merge.Id, two.Merge.Id], (await S.Repos.GetUndeployedAsync("tools", CancellationToken.None)).Select(m => m.Id));

        Assert.Equal(
            new[] { baseline.Merge.Id, one.Merge.Id, two.Merge.Id, two.Merge.Id + 1 }.Select(id => $"merge:{id}"),
            (await S.Outbox.PendingAsync(OutboxKinds.Announce, CancellationToken.None)).Select(e => e.Key));

        Assert.Empty((await S.Repos.MarkDeployedAsync("tools", "ffffffffff", 7, CancellationToken.None)));
        var marked = await S.Repos.MarkDeployedAsync("tools", "b1111111", 7, CancellationToken.None); // a prefix of the head
        Assert.Equal([one.Merge.Id], marked.Select(m => m.Id));

        S = await ReopenAsync();
        Assert.Equal(7, (await S.Repos.GetMergeAsync(one.Merge.Id, CancellationToken.None))!.DeployedRolloutId);
        Assert.Equal([two.Merge.Id], (await S.Repos.GetUndeployedAsync("tools", CancellationToken.None)).Select(m => m.Id));
        Assert.Equal(2, (await S.Repos.GetUndeployedAsync(null, CancellationToken.None)).Count); // c222 and configs' push
    }

    private async Task<IReadOnlyList<string?>> PendingAnnouncementsAsync() =>
        (await S.Outbox.PendingAsync(OutboxKinds.Announce, CancellationToken.None)).Select(e => e.Key).ToList();

    [Fact]
    public async Task A_merge_and_its_announce_entry_are_written_in_one_transaction()
    {
        // The repo state (written last) has no id: the store refuses it, after the merge and its entry were written.
        await Assert.ThrowsAnyAsync<Exception>(() => S.Repos.RecordMergeAsync(Push("tools", null, "a000000000", MergeKind.Baseline), Head("tools", "a000000000") with { Id = null! }, CancellationToken.None));
        Assert.Empty(await S.Repos.GetLatestMergesAsync("tools", 5, CancellationToken.None));
        Assert.Null((await S.Repos.GetStateAsync("tools", CancellationToken.None)));
        Assert.Empty(await PendingAnnouncementsAsync());

        var saved = (await S.Repos.RecordMergeAsync(Push("tools", null, "a000000000", MergeKind.Baseline), Head("tools", "a000000000"), CancellationToken.None));
        S = await ReopenAsync();
        var entry = Assert.Single(await S.Outbox.PendingAsync(OutboxKinds.Announce, CancellationToken.None));
        Assert.Equal(AnnounceEntries.Merge(saved.Merge.Id).Key, entry.Key);
        Assert.Equal((AnnounceSubject.Merge, saved.Merge.Id), AnnounceEntries.Read(entry));
    }

    [Fact]
    public async Task The_write_that_ends_a_rollout_writes_its_announce_entry_once()
    {
        var id = (await S.Rollouts.InsertAsync(Rollout("alice"), CancellationToken.None));
        await S.Rollouts.UpdateAsync((await S.Rollouts.GetAsync(id, CancellationToken.None))! with { CanaryCount = 2 }, CancellationToken.None);
        Assert.Empty(await PendingAnnouncementsAsync());

        await S.Rollouts.UpdateAsync((await S.Rollouts.GetAsync(id, CancellationToken.None))! with { State = RolloutState.Interrupted, FinishedAt = Time.GetUtcNow() }, CancellationToken.None);
        Assert.Equal([$"rollout:{id}"], await PendingAnnouncementsAsync());
        var entry = (await S.Outbox.FindAsync(OutboxKinds.Announce, $"rollout:{id}", CancellationToken.None))!;
        Assert.True(await S.Outbox.CompleteAsync(entry.Id, [], Time.GetUtcNow(), CancellationToken.None));

        // Later writes of an ended rollout (its resume handled) announce nothing again.
        await S.Rollouts.UpdateAsync((await S.Rollouts.GetAsync(id, CancellationToken.None))! with { ResumeHandled = true }, CancellationToken.None);
        S = await ReopenAsync();
        await S.Rollouts.UpdateAsync((await S.Rollouts.GetAsync(id, CancellationToken.None))! with { CanaryCount = 3 }, CancellationToken.None);
        Assert.Empty(await PendingAnnouncementsAsync());

        // A rollout saved already ended (nothing to run) is announced too; an update of an unknown one creates nothing.
        var ended = (await S.Rollouts.InsertAsync(Rollout("bob", RolloutState.Succeeded), CancellationToken.None));
        await S.Rollouts.UpdateAsync(Rollout("carol", RolloutState.Failed) with { Id = 999 }, CancellationToken.None);
        Assert.Equal([$"rollout:{ended}"], await PendingAnnouncementsAsync());
        Assert.Null((await S.Rollouts.GetAsync(999, CancellationToken.None)));
    }

    [Fact]
    public async Task Completing_an_announce_entry_queues_its_messages_in_the_same_transaction_once()
    {
        var announce = await S.Outbox.EnqueueAsync(AnnounceEntries.Rollout(7), CancellationToken.None);
        OutboxMessage[] chat = [new(OutboxKinds.Chat, "summary"), new(OutboxKinds.Chat, "results")];

        // Nothing was queued by enqueueing the announce entry itself.
        Assert.Empty(await S.Outbox.PendingAsync(OutboxKinds.Chat, CancellationToken.None));
        Assert.Equal([$"rollout:7"], await PendingAnnouncementsAsync());

        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await S.Outbox.CompleteAsync(announce.Id, chat, Time.GetUtcNow(), CancellationToken.None));
        Assert.False(await S.Outbox.CompleteAsync(announce.Id, chat, Time.GetUtcNow(), CancellationToken.None));
        Assert.False(await S.Outbox.CompleteAsync(12345, chat, Time.GetUtcNow(), CancellationToken.None));

        S = await ReopenAsync();
        Assert.Equal(["summary", "results"], (await S.Outbox.PendingAsync(OutboxKinds.Chat, CancellationToken.None)).Select(e => e.Payload));
        var done = (await S.Outbox.FindAsync(OutboxKinds.Announce, "rollout:7", CancellationToken.None))!;
        Assert.Equal((OutboxState.Sent, Time.GetUtcNow()), (done.State, done.DeliveredAt));
        Assert.Empty(await PendingAnnouncementsAsync());
    }

    private static RepoState Failing(string repo, string head, DateTimeOffset since, int failures) =>
        Head(repo, head) with { LastPollOk = false, StatusSince = since, ConsecutiveFailures = failures };

    private async Task<IReadOnlyList<Events.DeployerEvent>> ReplayAsync()
    {
        var events = new Events.DeployerEvents();
        var reader = events.Subscribe();
        await new PendingAnnouncements(S.Outbox, S.Repos, S.Rollouts, events, Microsoft.Extensions.Logging.Abstractions.NullLogger<PendingAnnouncements>.Instance)
            .ReplayAsync(CancellationToken.None);
        var published = new List<Events.DeployerEvent>();
        while (reader.TryRead(out var e)) published.Add(e);
        return published;
    }

    [Fact]
    public async Task A_repo_lost_and_back_is_saved_with_one_announce_entry_each_and_replayed_until_completed()
    {
        var since = Time.GetUtcNow();
        var lost = new RepoUnreachable("tools", new RepoFailure { Kind = RepoFailureKind.RemoteFailed, Command = "git fetch", Detail = "fatal: unable to access" }, since, 3);
        await S.Repos.SaveStateAsync(Failing("tools", "a000000000", since, 3), lost, CancellationToken.None);
        await S.Repos.SaveStateAsync(Failing("tools", "a000000000", since, 4), lost, CancellationToken.None); // the same outage again: kept once
        Time.Advance(TimeSpan.FromMinutes(10));
        var back = new RepoRecovered("tools", since, Time.GetUtcNow());
        var merge = await S.Repos.RecordMergeAsync(Push("tools", "a000000000", "b111111111"), Head("tools", "b111111111"), back, CancellationToken.None);

        // A crash before any of it reached chat: a restart finds all three, the recovery before the merge it brought.
        S = await ReopenAsync();
        Assert.Equal([AnnounceEntries.Repo(lost).Key, AnnounceEntries.Repo(back).Key, $"merge:{merge.Merge.Id}"], await PendingAnnouncementsAsync());
        var replayed = await ReplayAsync();
        Assert.Equal(lost, replayed[0]);
        Assert.Equal(back, replayed[1]);
        Assert.Equal(merge.Merge.Id, Assert.IsType<MergeDetected>(replayed[2]).Merge.Id);
        Assert.Equal(0, (await S.Repos.GetStateAsync("tools", CancellationToken.None))!.ConsecutiveFailures);

        // Announced (completed with its messages): never replayed again, and saving the same outage again adds nothing.
        foreach (var change in new RepoReachabilityChanged[] { lost, back })
        {
            var entry = (await S.Outbox.FindAsync(OutboxKinds.Announce, AnnounceEntries.KeyOf(change)!, CancellationToken.None))!;
            Assert.Equal(change, AnnounceEntries.ReadRepo(entry));
            Assert.True(await S.Outbox.CompleteAsync(entry.Id, [new(OutboxKinds.Chat, "said")], Time.GetUtcNow(), CancellationToken.None));
        }

        await S.Repos.SaveStateAsync(Failing("tools", "b111111111", since, 5), lost, CancellationToken.None);
        S = await ReopenAsync();
        Assert.Equal([$"merge:{merge.Merge.Id}"], await PendingAnnouncementsAsync());
        Assert.IsType<MergeDetected>(Assert.Single(await ReplayAsync()));
    }

    [Fact]
    public async Task A_repo_state_and_its_announce_entry_are_written_in_one_transaction()
    {
        // The repo state (written last) has no id: the store refuses it, after the entry was written.
        var since = Time.GetUtcNow();
        await Assert.ThrowsAnyAsync<Exception>(() => S.Repos.SaveStateAsync(
            Failing("tools", "a000000000", since, 3) with { Id = null! }, new RepoUnreachable("tools", new RepoFailure { Kind = RepoFailureKind.TimedOut, Command = "git fetch", TimeoutSeconds = 60 }, since, 3), CancellationToken.None));
        await Assert.ThrowsAnyAsync<Exception>(() => S.Repos.RecordMergeAsync(
            Push("tools", "a000000000", "b111111111"), Head("tools", "b111111111") with { Id = null! }, new RepoRecovered("tools", since, since), CancellationToken.None));

        S = await ReopenAsync();
        Assert.Empty(await PendingAnnouncementsAsync());
        Assert.Empty(await S.Repos.GetStatesAsync(CancellationToken.None));
        Assert.Empty(await S.Repos.GetLatestMergesAsync("tools", 5, CancellationToken.None));
    }

    private static Hold Hold(string id, string name, int minutes) =>
        new() { HolderId = id, HolderName = name, Reason = "landing 🚀", Since = DateTimeOffset.UnixEpoch.AddMinutes(minutes), ExpiresAt = DateTimeOffset.MaxValue };

    [Fact]
    public async Task Holds_are_saved_exactly_and_holders_compare_without_case()
    {
        await S.Locks.SaveAsync(new DeployLock([Hold("bob", "bob", 2), Hold("Alice", "Alice", 1)]), [], CancellationToken.None);
        await S.Locks.SaveAsync(new DeployLock([Hold("alice", "alice", 1), Hold("carol", "carol", 3)]), [], CancellationToken.None);

        S = await ReopenAsync();
        var holds = (await S.Locks.LoadAsync(CancellationToken.None)).Holds;
        Assert.Equal(["alice", "carol"], holds.Select(h => h.HolderName));
        Assert.Equal("landing 🚀", holds[0].Reason);
        Assert.True(holds[0].UntilReleased);
    }

    private static AuditEntry Audit(string action) => new() { At = DateTimeOffset.UnixEpoch, ActorId = "alice", ActorName = "alice", Action = action, Detail = "d" };

    [Fact]
    public async Task Audit_entries_are_numbered_and_read_newest_first_per_area()
    {
        await S.Locks.AppendAuditAsync(Audit("lock"), CancellationToken.None);
        await S.Freezes.AppendAuditAsync(Audit("freeze"), CancellationToken.None);
        var third = await S.Audit.AppendAsync(Audit("deploy") with { Area = "deploy" }, CancellationToken.None);
        await S.Locks.AppendAuditAsync(Audit("unlock"), CancellationToken.None);

        Assert.Equal(3, third.Id);
        Assert.Equal(["unlock", "lock"], (await S.Locks.ReadAuditAsync(10, CancellationToken.None)).Select(e => e.Action));
        Assert.Equal(["freeze"], (await S.Freezes.ReadAuditAsync(10, CancellationToken.None)).Select(e => e.Action));
        Assert.Equal(["unlock", "deploy"], (await S.Audit.LatestAsync(2, null, CancellationToken.None)).Select(e => e.Action));
    }

    [Fact]
    public async Task A_hold_change_and_its_audit_entries_are_written_in_one_transaction()
    {
        await S.Locks.SaveAsync(new DeployLock([Hold("alice", "alice", 1)]), [Audit("lock")], CancellationToken.None);

        // alice's hold goes and bob's comes, but the last hold (written after the entries) has no holder id: the store
        // refuses it, and neither the entries nor any of the hold changes are kept.
        await Assert.ThrowsAnyAsync<Exception>(() => S.Locks.SaveAsync(
            new DeployLock([Hold("bob", "bob", 2), Hold(null!, "nobody", 3)]), [Audit("expire"), Audit("force-unlock")], CancellationToken.None));

        S = await ReopenAsync();
        Assert.Equal(["alice"], (await S.Locks.LoadAsync(CancellationToken.None)).Holds.Select(h => h.HolderName));
        var entry = Assert.Single(await S.Locks.ReadAuditAsync(10, CancellationToken.None));
        Assert.Equal(("lock", "lock"), (entry.Action, entry.Area));

        await S.Locks.SaveAsync(new DeployLock([]), [Audit("expire"), Audit("unlock")], CancellationToken.None);
        S = await ReopenAsync();
        Assert.Empty((await S.Locks.LoadAsync(CancellationToken.None)).Holds);
        Assert.Equal(["unlock", "expire", "lock"], (await S.Locks.ReadAuditAsync(10, CancellationToken.None)).Select(e => e.Action));
    }

    [Fact]
    public async Task The_freeze_is_one_document_replaced_and_removed_each_time_with_its_audit_entry()
    {
        Assert.Null(await S.Freezes.GetAsync(CancellationToken.None));
        await S.Freezes.SetAsync(new AdHocFreeze { Reason = "first", Until = DateTimeOffset.UnixEpoch.AddHours(1) }, Audit("freeze"), CancellationToken.None);
        await S.Freezes.SetAsync(new AdHocFreeze { Reason = "second", Until = DateTimeOffset.UnixEpoch.AddHours(2) }, Audit("freeze-again"), CancellationToken.None);
        S = await ReopenAsync();
        Assert.Equal("second", (await S.Freezes.GetAsync(CancellationToken.None))!.Reason);
        Assert.Equal(["freeze-again", "freeze"], (await S.Freezes.ReadAuditAsync(10, CancellationToken.None)).Select(e => e.Action));
        await S.Freezes.SetAsync(null, Audit("unfreeze"), CancellationToken.None);
        S = await ReopenAsync();
        Assert.Null(await S.Freezes.GetAsync(CancellationToken.None));
        var lifted = (await S.Freezes.ReadAuditAsync(1, CancellationToken.None)).Single();
        Assert.Equal(("unfreeze", "freeze"), (lifted.Action, lifted.Area));
        Assert.Empty(await S.Locks.ReadAuditAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task The_policy_keeps_its_last_answer_and_raises_each_alarm_once()
    {
        Assert.Null(await S.Policy.LoadDecisionAsync(CancellationToken.None));
        var held = new HoldWait("alice", Time.GetUtcNow().AddHours(1), "landing", 0);
        await S.Policy.SaveDecisionAsync(new PolicyDecision { Start = false, Blocker = PolicyBlocker.Hold, Reason = held }, Time.GetUtcNow(), CancellationToken.None);
        Assert.True(await S.Policy.TryRaiseAlarmAsync("bm01/42", Time.GetUtcNow(), CancellationToken.None));

        S = await ReopenAsync();
        var loaded = (await S.Policy.LoadDecisionAsync(CancellationToken.None))!;
        Assert.Equal((PolicyBlocker.Hold, (PolicyReason)held), (loaded.Blocker, loaded.Reason));
        Assert.False(await S.Policy.TryRaiseAlarmAsync("bm01/42", Time.GetUtcNow(), CancellationToken.None));
        Assert.True(await S.Policy.TryRaiseAlarmAsync("bm02/42", Time.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task Live_estimates_stay_until_resolved()
    {
        await S.Estimates.SaveAsync(new SavedEstimate { Id = 4, Repo = "tools", Head = "b111111111", LiveAt = Time.GetUtcNow() }, CancellationToken.None);
        await S.Estimates.SaveAsync(new SavedEstimate { Id = 5, Repo = "tools", Head = "c222222222", LiveAt = Time.GetUtcNow() }, CancellationToken.None);
        await S.Estimates.ResolveAsync(4, 12.5, CancellationToken.None);
        await S.Estimates.ResolveAsync(99, 1, CancellationToken.None); // unknown: nothing happens

        Assert.Equal([5], (await S.Estimates.GetUnresolvedAsync(CancellationToken.None)).Select(e => e.Id));
    }

    [Fact]
    public async Task The_door_log_lists_answers_newest_first()
    {
        foreach (var who in new[] { "alice", "bob", "carol" })
        {
            var answer = new DoorAnswer(new RolloutRequest { Trigger = RolloutTrigger.DeployNow, RequestedBy = who }, new PolicyDecision { Blocker = PolicyBlocker.Quiet }, null);
            await S.Doors.RecordAsync(answer, Time.GetUtcNow(), CancellationToken.None);
        }

        Assert.Equal(["carol", "bob"], (await S.Doors.LatestAsync(2, CancellationToken.None)).Select(e => e.RequestedBy));
    }

    [Fact]
    public async Task The_outbox_keeps_order_dedupes_keys_per_kind_and_records_each_attempt()
    {
        var a = await S.Outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.Chat, "a", "rollout:1"), CancellationToken.None);
        var again = await S.Outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.Chat, "a2", "rollout:1"), CancellationToken.None);
        var otherKind = await S.Outbox.EnqueueAsync(new OutboxMessage(OutboxKinds.BugComment, "bug", "rollout:1"), CancellationToken.None);
        var batch = await S.Outbox.EnqueueAsync([new OutboxMessage(OutboxKinds.Chat, "b"), new OutboxMessage(OutboxKinds.Chat, "c")], CancellationToken.None);

        Assert.Equal(a.Id, again.Id);
        Assert.Equal("a", again.Payload);
        Assert.NotEqual(a.Id, otherKind.Id);
        Assert.Equal(["a", "b", "c"], (await S.Outbox.PendingAsync(OutboxKinds.Chat, CancellationToken.None)).Select(e => e.Payload));

        await S.Outbox.MarkAttemptFailedAsync(a.Id, "429", Time.GetUtcNow().AddMinutes(1), CancellationToken.None);
        Assert.Equal(["b", "c"], (await S.Outbox.DueAsync(OutboxKinds.Chat, Time.GetUtcNow(), 10, CancellationToken.None)).Select(e => e.Payload));
        Assert.Equal(["a"], (await S.Outbox.DueAsync(OutboxKinds.Chat, Time.GetUtcNow().AddMinutes(1), 1, CancellationToken.None)).Select(e => e.Payload));

        Assert.True(await S.Outbox.ReplacePendingPayloadAsync(a.Id, "a'", CancellationToken.None));
        await S.Outbox.MarkSentAsync(a.Id, Time.GetUtcNow(), "msg-1", CancellationToken.None);
        Assert.False(await S.Outbox.ReplacePendingPayloadAsync(a.Id, "a''", CancellationToken.None));
        await S.Outbox.MarkFailedAsync(batch[0].Id, "gave up", CancellationToken.None);
        Assert.Equal(["b"], (await S.Outbox.ListAsync(OutboxKinds.Chat, OutboxState.Failed, 5, CancellationToken.None)).Select(e => e.Payload));
        Assert.Empty(await S.Outbox.ListAsync(OutboxKinds.BugComment, OutboxState.Failed, 5, CancellationToken.None));

        S = await ReopenAsync();
        var sent = (await S.Outbox.FindAsync(OutboxKinds.Chat, "rollout:1", CancellationToken.None))!;
        Assert.Equal((OutboxState.Sent, 2, "msg-1", "a'"), (sent.State, sent.Attempts, sent.Receipt, sent.Payload));
        Assert.Equal(["c"], (await S.Outbox.PendingAsync(OutboxKinds.Chat, CancellationToken.None)).Select(e => e.Payload));
        Assert.Equal(
            [new OutboxCount(OutboxKinds.BugComment, OutboxState.Pending, 1), new OutboxCount(OutboxKinds.Chat, OutboxState.Pending, 1),
             new OutboxCount(OutboxKinds.Chat, OutboxState.Sent, 1), new OutboxCount(OutboxKinds.Chat, OutboxState.Failed, 1)],
            await S.Outbox.CountsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Bug_plans_and_failing_trackers_are_kept_across_a_restart()
    {
        var ct = CancellationToken.None;
        Assert.Null(await S.Bugs.LastPlannedAsync(ct));
        await S.Bugs.MarkPlannedAsync(3, ct);
        await S.Bugs.MarkPlannedAsync(12, ct);
        Assert.True(await S.Bugs.TryRaiseFailingAsync("bmo", Time.GetUtcNow(), ct));
        Assert.False(await S.Bugs.TryRaiseFailingAsync("bmo", Time.GetUtcNow(), ct));

        S = await ReopenAsync();
        Assert.Equal(12, await S.Bugs.LastPlannedAsync(ct));
        Assert.True(await S.Bugs.IsPlannedAsync(3, ct));
        Assert.False(await S.Bugs.IsPlannedAsync(4, ct));
        Assert.False(await S.Bugs.TryRaiseFailingAsync("bmo", Time.GetUtcNow(), ct));
        Assert.True(await S.Bugs.TryClearFailingAsync("bmo", ct));
        Assert.False(await S.Bugs.TryClearFailingAsync("bmo", ct));
        Assert.True(await S.Bugs.TryRaiseFailingAsync("bmo", Time.GetUtcNow(), ct));
    }
}
