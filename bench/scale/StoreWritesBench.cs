using System.Diagnostics;
using ChatOpsReconfig.Deployer.Rollout;
using ChatOpsReconfig.Deployer.Store;
using ChatOpsReconfig.Deployer.Store.Postgres;
using Npgsql;

namespace ChatOpsReconfig.Bench.Scale;

/// <summary>
/// Store write throughput (issue 11): a rollout's writes — one host result and one host state per host, each its own
/// transaction, as the runner makes them — on the LiteDB file and on PostgreSQL, side by side.
/// </summary>
internal static class StoreWritesBench
{
    public static async Task RunAsync(int hosts, string? postgres, TextWriter log)
    {
        var dir = Path.Combine(Path.GetTempPath(), "chatops-writes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            using (var db = new StoreDatabase(Path.Combine(dir, "chatops.db")))
                await ReportAsync("litedb", hosts, new RolloutStore(db), log);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        if (postgres is null)
        {
            log.WriteLine("  postgres: skipped (set CHATOPS_BENCH_PG or --pg to a connection string of an empty database)");
            return;
        }

        using var source = NpgsqlDataSource.Create(postgres);
        PgMigrations.ApplyAsync(source, CancellationToken.None).GetAwaiter().GetResult();
        await ReportAsync("postgres", hosts, new PgRolloutStore(new PgDocuments(source, TimeProvider.System)), log);
    }

    private static async Task ReportAsync(string kind, int hosts, IRolloutStore store, TextWriter log)
    {
        var id = await store.InsertAsync(new RolloutRecord { StartedBy = "bench", Hosts = Enumerable.Range(1, hosts).Select(Name).ToList() }, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= hosts; i++)
            await store.SaveHostAsync(new HostResult { Id = HostResult.MakeId(id, Name(i)), RolloutId = id, Host = Name(i), Outcome = HostOutcome.Ok }, CancellationToken.None);
        var results = clock.Elapsed;
        clock.Restart();
        for (var i = 1; i <= hosts; i++)
            await store.SaveHostStateAsync(new HostState { Id = Name(i), Revisions = { ["tools"] = "0123456789ab" }, LastOutcome = HostOutcome.Ok, LastRolloutId = id }, CancellationToken.None);
        var states = clock.Elapsed;
        log.WriteLine($"  {kind,-9} {hosts} host results: {hosts / results.TotalSeconds,8:0} /s ({results.TotalMilliseconds / hosts:0.00} ms each); {hosts} host states: {hosts / states.TotalSeconds,8:0} /s ({states.TotalMilliseconds / hosts:0.00} ms each)");
    }

    private static string Name(int i) => $"host{i:0000}";
}
