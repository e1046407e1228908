using System.Text.Json;

namespace ChatOpsReconfig.Bot.Web;

/// <summary>
/// The status view, its JSON and its unfiltered page, kept for at most <see cref="MaxAge"/> (a second): a dashboard left open by
/// ten people, a Prometheus scrape and a Nagios check then cost one build a second, not one each, at 5,000 hosts.
/// Rollout progress does not wait for it (the page gets it over <c>/events</c>), nor does <c>/api/live</c>.
/// </summary>
internal sealed class StatusCache(StatusViewBuilder builder, TimeProvider time)
{
    /// <summary>How old an answer may be; tests that change the store between requests set zero.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Entry? _entry;

    public async Task<StatusView> ViewAsync(CancellationToken cancellationToken) => (await EntryAsync(cancellationToken)).View;

    public async Task<byte[]> JsonAsync(CancellationToken cancellationToken)
    {
        var entry = await EntryAsync(cancellationToken);
        return entry.Json ??= JsonSerializer.SerializeToUtf8Bytes(entry.View, StatusApi.Json);
    }

    public async Task<string> PageAsync(string? role, string? state, CancellationToken cancellationToken)
    {
        var entry = await EntryAsync(cancellationToken);
        if (!string.IsNullOrEmpty(role) || !string.IsNullOrEmpty(state)) return StatusPage.Render(entry.View, role, state);
        return entry.Page ??= StatusPage.Render(entry.View, null, null);
    }

    private async Task<Entry> EntryAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_entry) is { } fresh) return fresh;
        // One build at a time: requests arriving meanwhile take its result.
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(_entry) is { } built) return built;
            var entry = new Entry(await builder.BuildAsync(cancellationToken), time.GetTimestamp());
            _entry = entry;
            return entry;
        }
        finally
        {
            _gate.Release();
        }
    }

    private Entry? Fresh(Entry? entry) => entry is not null && time.GetElapsedTime(entry.BuiltAt) < MaxAge ? entry : null;

    /// <summary>Json and Page are filled lazily; two requests racing to fill one compute the same value.</summary>
    private sealed class Entry(StatusView view, long builtAt)
    {
        public StatusView View { get; } = view;

        public long BuiltAt { get; } = builtAt;

        public byte[]? Json { get; set; }

        public string? Page { get; set; }
    }
}
