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
    public void Unchanged_states_are_served_from_the_same_snapshot()
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        store.SaveHostState(State("bm01", "aaa"));

        var first = store.GetHostStates();
        var second = store.GetHostStates();

        Assert.Same(first, second);
        Assert.Equal("aaa", Assert.Single(second).Revisions["tools"]);
    }

    [Fact]
    public void A_state_saved_here_shows_on_the_next_read()
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        store.SaveHostState(State("bm01", "aaa"));
        _ = store.GetHostStates();

        store.SaveHostState(State("bm01", "bbb", HostOutcome.Failed));
        store.SaveHostState(State("bm02", "ccc"));

        var states = store.GetHostStates().ToDictionary(s => s.Id);
        Assert.Equal("bbb", states["bm01"].Revisions["tools"]);
        Assert.Equal(HostOutcome.Failed, states["bm01"].LastOutcome);
        Assert.Equal("ccc", states["bm02"].Revisions["tools"]);
    }

    [Fact]
    public void A_state_saved_through_another_rollout_store_shows_on_the_next_read()
    {
        using var db = new StoreDatabase(StorePath);
        var status = new RolloutStore(db);
        status.SaveHostState(State("bm01", "aaa"));
        _ = status.GetHostStates();

        // Another component (the CLI deploy path, a test fixture) with its own RolloutStore on the same database.
        new RolloutStore(db).SaveHostState(State("bm01", "bbb"));

        Assert.Equal("bbb", Assert.Single(status.GetHostStates()).Revisions["tools"]);
    }

    [Fact]
    public void A_state_saved_here_updates_the_snapshot_in_place_without_reading_every_state_again()
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        store.SaveHostState(State("bm01", "aaa"));
        _ = store.GetHostStates();
        // Written past the store (no stamp): only a re-read of the collection would show it.
        db.Write(() => db.Collection<HostState>(StoreCollections.HostStates).Upsert(State("bm09", "zzz")));

        store.SaveHostState(State("bm01", "bbb"));
        store.SaveHostState(State("bm02", "ccc"));

        var states = store.GetHostStates();
        Assert.Equal(["bm01", "bm02"], states.Select(s => s.Id));
        Assert.Equal("bbb", states[0].Revisions["tools"]);
        Assert.Same(states, store.GetHostStates());
    }

    [Fact]
    public void A_save_after_another_writer_saved_drops_the_snapshot_and_reads_both()
    {
        using var db = new StoreDatabase(StorePath);
        var status = new RolloutStore(db);
        status.SaveHostState(State("bm01", "aaa"));
        _ = status.GetHostStates();

        new RolloutStore(db).SaveHostState(State("bm02", "bbb"));
        status.SaveHostState(State("bm01", "ccc"));

        var states = status.GetHostStates().ToDictionary(s => s.Id);
        Assert.Equal("ccc", states["bm01"].Revisions["tools"]);
        Assert.Equal("bbb", states["bm02"].Revisions["tools"]);
    }

    [Fact]
    public void A_state_saved_by_a_later_writer_of_the_file_shows_on_the_next_read()
    {
        using (var first = new StoreDatabase(StorePath))
            new RolloutStore(first).SaveHostState(State("bm01", "aaa"));

        using (var second = new StoreDatabase(StorePath))
            new RolloutStore(second).SaveHostState(State("bm01", "bbb"));

        using var third = new StoreDatabase(StorePath);
        Assert.Equal("bbb", Assert.Single(new RolloutStore(third).GetHostStates()).Revisions["tools"]);
    }

    [Fact]
    public void A_second_writer_on_the_same_file_is_refused_but_a_reader_sees_the_states()
    {
        using var botDb = new StoreDatabase(StorePath);
        var bot = new RolloutStore(botDb);
        bot.SaveHostState(State("bm01", "aaa"));

        // The CLI (`chatops deploy`) may not write while the bot owns the store; `chatops status` reads it.
        var busy = Assert.Throws<StoreBusyException>(() => new StoreDatabase(StorePath));
        Assert.Contains("in use by another chatops process", busy.Message, StringComparison.Ordinal);
        botDb.Checkpoint();
        using var reader = new StoreDatabase(StorePath, readOnly: true);
        Assert.Equal("aaa", Assert.Single(new RolloutStore(reader).GetHostStates()).Revisions["tools"]);
    }

    [Fact]
    public void States_written_without_a_stamp_are_read_every_time()
    {
        using var db = new StoreDatabase(StorePath);
        // An older build saved states without the stamp.
        db.Collection<HostState>("host_states").Insert(State("bm01", "aaa"));
        var store = new RolloutStore(db);
        Assert.Equal("aaa", Assert.Single(store.GetHostStates()).Revisions["tools"]);

        db.Collection<HostState>("host_states").Upsert(State("bm01", "bbb"));

        Assert.Equal("bbb", Assert.Single(store.GetHostStates()).Revisions["tools"]);
    }

    [Fact]
    public void AnyWithState_answers_as_WithState_does()
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        Assert.False(store.AnyWithState(RolloutState.Running));

        store.Insert(new RolloutRecord { StartedBy = "test", Hosts = ["bm01"], State = RolloutState.Succeeded });
        Assert.False(store.AnyWithState(RolloutState.Running));
        Assert.True(store.AnyWithState(RolloutState.Succeeded));

        var id = store.Insert(new RolloutRecord { StartedBy = "test", Hosts = ["bm01"], State = RolloutState.Running });
        Assert.True(store.AnyWithState(RolloutState.Running));
        Assert.Equal(id, Assert.Single(store.WithState(RolloutState.Running)).Id);
    }

    [Fact]
    public void GetHost_finds_one_host_of_a_rollout_by_id()
    {
        using var db = new StoreDatabase(StorePath);
        var store = new RolloutStore(db);
        var id = store.Insert(new RolloutRecord { StartedBy = "test", Hosts = ["bm01", "bm02"] });
        store.SaveHost(new HostResult { Id = HostResult.MakeId(id, "bm01"), RolloutId = id, Host = "bm01", Outcome = HostOutcome.Ok });
        store.SaveHost(new HostResult { Id = HostResult.MakeId(id, "bm02"), RolloutId = id, Host = "bm02", Outcome = HostOutcome.Failed, FailedStep = "checkconfig" });

        Assert.Equal("checkconfig", store.GetHost(id, "bm02")?.FailedStep);
        Assert.Null(store.GetHost(id, "bm03"));
        Assert.Null(store.GetHost(id + 1, "bm01"));
    }
}
