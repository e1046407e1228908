using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;

namespace ChatOpsReconfig.Deployer.Tests.Rollout;

/// <summary>
/// <see cref="RolloutStore.GetHostStates"/> keeps the states between calls; a state saved through this store, through
/// another RolloutStore on the same database, or by a later writer of the file must still show on the next read.
/// </summary>
public sealed class RolloutStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rolloutstore-" + Guid.NewGuid().ToString("N")[..8]);

    private string StorePath => Path.Combine(_dir, "chatops.db");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* best effort */ }
    }

    private static HostState State(string host, string rev, HostOutcome outcome = HostOutcome.Ok) => new()
    {
        Id = host,
        Revisions = new(StringComparer.Ordinal) { ["tools"] = rev },
        LastOutcome = outcome,
    };

    [Fact]
    public async Task Unchanged_states_are_served_from_the_same_snapshot()
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        await store.SaveHostStateAsync(State("bm01", "aaa"), CancellationToken.None);

        var first = await store.GetHostStatesAsync(CancellationToken.None);
        var second = await store.GetHostStatesAsync(CancellationToken.None);

        Assert.Same(first, second);
        Assert.Equal("aaa", Assert.Single(second).Revisions["tools"]);
    }

    [Fact]
    public async Task A_state_saved_here_shows_on_the_next_read()
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        await store.SaveHostStateAsync(State("bm01", "aaa"), CancellationToken.None);
        _ = await store.GetHostStatesAsync(CancellationToken.None);

        await store.SaveHostStateAsync(State("bm01", "bbb", HostOutcome.Failed), CancellationToken.None);
        await store.SaveHostStateAsync(State("bm02", "ccc"), CancellationToken.None);

        var states = (await store.GetHostStatesAsync(CancellationToken.None)).ToDictionary(s => s.Id);
        Assert.Equal("bbb", states["bm01"].Revisions["tools"]);
        Assert.Equal(HostOutcome.Failed, states["bm01"].LastOutcome);
        Assert.Equal("ccc", states["bm02"].Revisions["tools"]);
    }

    [Fact]
    public async Task A_state_saved_through_another_rollout_store_shows_on_the_next_read()
    {
        using var db = new StoreDatabase(StorePath);
        var status = new RolloutStore(db);
        await status.SaveHostStateAsync(State("bm01", "aaa"), CancellationToken.None);
        _ = await status.GetHostStatesAsync(CancellationToken.None);

        // Another component (the CLI deploy path, a test fixture) with its own RolloutStore on the same database.
        await new RolloutStore(db).SaveHostStateAsync(State("bm01", "bbb"), CancellationToken.None);

        Assert.Equal("bbb", Assert.Single((await status.GetHostStatesAsync(CancellationToken.None))).Revisions["tools"]);
    }

    [Fact]
    public async Task A_state_saved_here_updates_the_snapshot_in_place_without_reading_every_state_again()
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        await store.SaveHostStateAsync(State("bm01", "aaa"), CancellationToken.None);
        _ = await store.GetHostStatesAsync(CancellationToken.None);
        // Written past the store (no stamp): only a re-read of the collection would show it.
        db.Write(() => db.Collection<HostState>(StoreCollections.HostStates).Upsert(State("bm09", "zzz")));

        await store.SaveHostStateAsync(State("bm01", "bbb"), CancellationToken.None);
        await store.SaveHostStateAsync(State("bm02", "ccc"), CancellationToken.None);

        var states = await store.GetHostStatesAsync(CancellationToken.None);
        Assert.Equal(["bm01", "bm02"], states.Select(s => s.Id));
        Assert.Equal("bbb", states[0].Revisions["tools"]);
        Assert.Same(states, (await store.GetHostStatesAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task A_save_after_another_writer_saved_drops_the_snapshot_and_reads_both()
    {
        using var db = new StoreDatabase(StorePath);
        var status = new RolloutStore(db);
        await status.SaveHostStateAsync(State("bm01", "aaa"), CancellationToken.None);
        _ = await status.GetHostStatesAsync(CancellationToken.None);

        await new RolloutStore(db).SaveHostStateAsync(State("bm02", "bbb"), CancellationToken.None);
        await status.SaveHostStateAsync(State("bm01", "ccc"), CancellationToken.None);

        var states = (await status.GetHostStatesAsync(CancellationToken.None)).ToDictionary(s => s.Id);
        Assert.Equal("ccc", states["bm01"].Revisions["tools"]);
        Assert.Equal("bbb", states["bm02"].Revisions["tools"]);
    }

    [Fact]
    public async Task A_state_saved_by_a_later_writer_of_the_file_shows_on_the_next_read()
    {
        using (var first = new StoreDatabase(StorePath))
            await new RolloutStore(first).SaveHostStateAsync(State("bm01", "aaa"), CancellationToken.None);

        using (var second = new StoreDatabase(StorePath))
            await new RolloutStore(second).SaveHostStateAsync(State("bm01", "bbb"), CancellationToken.None);

        using var third = new StoreDatabase(StorePath);
        Assert.Equal("bbb", Assert.Single((await new RolloutStore(third).GetHostStatesAsync(CancellationToken.None))).Revisions["tools"]);
    }

    [Fact]
    public async Task A_second_writer_on_the_same_file_is_refused_but_a_reader_sees_the_states()
    {
        using var botDb = new StoreDatabase(StorePath);
        var bot = new RolloutStore(botDb);
        await bot.SaveHostStateAsync(State("bm01", "aaa"), CancellationToken.None);

        // The CLI (`chatops deploy`) may not write while the bot owns the store; `chatops status` reads it.
        var busy = Assert.Throws<StoreBusyException>(() => new StoreDatabase(StorePath));
        Assert.Contains("in use by another chatops process", busy.Message, StringComparison.Ordinal);
        botDb.Checkpoint();
        using var reader = new StoreDatabase(StorePath, readOnly: true);
        Assert.Equal("aaa", Assert.Single((await new RolloutStore(reader).GetHostStatesAsync(CancellationToken.None))).Revisions["tools"]);
    }

    [Fact]
    public async Task States_written_without_a_stamp_are_read_every_time()
    {
        using var db = new StoreDatabase(StorePath);
        // An older build saved states without the stamp.
        db.Collection<HostState>("host_states").Insert(State("bm01", "aaa"));
        var store = new RolloutStore(db);
        Assert.Equal("aaa", Assert.Single((await store.GetHostStatesAsync(CancellationToken.None))).Revisions["tools"]);

        db.Collection<HostState>("host_states").Upsert(State("bm01", "bbb"));

        Assert.Equal("bbb", Assert.Single((await store.GetHostStatesAsync(CancellationToken.None))).Revisions["tools"]);
    }

    [Fact]
    public async Task AnyWithState_answers_as_WithState_does()
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        Assert.False((await store.AnyWithStateAsync(RolloutState.Running, CancellationToken.None)));

        await store.InsertAsync(new RolloutRecord { StartedBy = "test", Hosts = ["bm01"], State = RolloutState.Succeeded }, CancellationToken.None);
        Assert.False((await store.AnyWithStateAsync(RolloutState.Running, CancellationToken.None)));
        Assert.True((await store.AnyWithStateAsync(RolloutState.Succeeded, CancellationToken.None)));

        var id = await store.InsertAsync(new RolloutRecord { StartedBy = "test", Hosts = ["bm01"], State = RolloutState.Running }, CancellationToken.None);
        Assert.True((await store.AnyWithStateAsync(RolloutState.Running, CancellationToken.None)));
        Assert.Equal(id, Assert.Single((await store.WithStateAsync(RolloutState.Running, CancellationToken.None))).Id);
    }

    [Fact]
    public async Task GetHost_finds_one_host_of_a_rollout_by_id()
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        var id = await store.InsertAsync(new RolloutRecord { StartedBy = "test", Hosts = ["bm01", "bm02"] }, CancellationToken.None);
        await store.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, "bm01"), RolloutId = id, Host = "bm01", Outcome = HostOutcome.Ok }, CancellationToken.None);
        await store.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, "bm02"), RolloutId = id, Host = "bm02", Outcome = HostOutcome.Failed, FailedStep = "checkconfig" }, CancellationToken.None);

        Assert.Equal("checkconfig", (await store.GetHostAsync(id, "bm02", CancellationToken.None))?.FailedStep);
        Assert.Null((await store.GetHostAsync(id, "bm03", CancellationToken.None)));
        Assert.Null((await store.GetHostAsync(id + 1, "bm01", CancellationToken.None)));
    }
}
