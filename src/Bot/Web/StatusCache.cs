using System.Text.Json;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>
/// The status view, its JSON and its unfiltered page, kept for <see cref="MaxAge"/> (a second), then served up to
/// another second while it is rebuilt in the background: a dashboard left open by
/// ten people, a Prometheus scrape and a Nagios check then cost one build a second, not one each, at 5,000 hosts.
/// Rollout progress does not wait for it (the page gets it over <c>/events</c>), nor does <c>/api/live</c>.
/// </summary>
internal sealed class StatusCache(StatusViewBuilder builder, TimeProvider time)
{
    /// <summary>How old an answer may be; tests that change the store between requests set zero.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Entry? _entry;
    private int _refreshing;

    public async Task<StatusView> ViewAsync(CancellationToken cancellationToken) => (await EntryAsync(cancellationToken)).View;

    public async Task<byte[]> JsonAsync(CancellationToken cancellationToken)
    {
        var entry = await EntryAsync(cancellationToken);
        return entry.Json;
    }

    public async Task<string> PageAsync(string? role, string? state, CancellationToken cancellationToken)
    {
        var entry = await EntryAsync(cancellationToken);
        if (!string.IsNullOrEmpty(role) || !string.IsNullOrEmpty(state)) return StatusPage.Render(entry.View, role, state);
        return entry.Page;
    }

    private async Task<Entry> EntryAsync(CancellationToken cancellationToken)
    {
        var current = _entry;
        if (current is not null && Age(current) < MaxAge) return current;
        // Up to twice MaxAge old: answer with it and rebuild in the background, so no request waits for a build
        // (at 5,000 hosts on a busy machine a build takes a few hundred ms).
        if (current is not null && Age(current) < 2 * MaxAge)
        {
            if (Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
                _ = Task.Run(() => RefreshAsync(CancellationToken.None), CancellationToken.None);
            return current;
        }

        return await RefreshAsync(cancellationToken);
    }

    /// <summary>One build at a time: requests arriving meanwhile take its result.</summary>
    private async Task<Entry> RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_entry is { } built && Age(built) < MaxAge) return built;
            var view = await builder.BuildAsync(cancellationToken);
            // Serialised and rendered here, off the requests' path when this runs in the background.
            var entry = new Entry(view, time.GetTimestamp()) { Json = JsonSerializer.SerializeToUtf8Bytes(view, StatusApi.Json), Page = StatusPage.Render(view, null, null) };
            _entry = entry;
            return entry;
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
            _gate.Release();
        }
    }

    private TimeSpan Age(Entry entry) => time.GetElapsedTime(entry.BuiltAt);

    /// <summary>A view with its JSON and unfiltered page.</summary>
    private sealed class Entry(StatusView view, long builtAt)
    {
        public StatusView View { get; } = view;

        public long BuiltAt { get; } = builtAt;

        public required byte[] Json { get; init; }

        public required string Page { get; init; }
    }
}
