using ChatOpsReconfig.Bot.Announcements;
using System.Diagnostics;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Bot.Web;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Cli;

/// <summary>
/// <c>chatops wait-live --url URL --repo NAME --rev REV [--timeout 30m]</c>: for release scripts. Asks
/// <c>/api/live</c> every second, prints a progress line (pending hosts and the bot's estimate) whenever it changes,
/// and exits 0 once every enabled host carrying the repo runs REV or a descendant, 1 on timeout (naming the hosts
/// still pending), 2 for a bad request (unknown repo, not a revision), 3 when the bot cannot be asked.
/// </summary>
internal static class WaitLiveVerb
{
    public const int Live = 0;
    public const int TimedOut = 1;
    public const int BadRequest = 2;
    public const int Unreachable = 3;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Once the bot has answered, it may be unreachable this long (a restart) before wait-live gives up.</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string url, string repo, string rev, string timeoutText, string? tokenFile, TextWriter output, CancellationToken cancellationToken)
    {
        var timeout = Duration.Parse(timeoutText);
        var baseUrl = BotClient.ParseUrl(url);
        var (token, tokenError) = BotClient.ReadToken(tokenFile);
        var problem = baseUrl is null ? $"--url: '{url}' is not an http(s) URL" : timeout.Error is not null ? $"--timeout: {timeout.Error}" : tokenError;
        if (problem is not null)
        {
            await output.WriteLineAsync(problem);
            return BadRequest;
        }

        using var client = new BotClient(baseUrl!, token, TimeSpan.FromSeconds(10));
        var path = $"api/live?repo={Uri.EscapeDataString(repo)}&rev={Uri.EscapeDataString(rev)}";
        var clock = Stopwatch.StartNew();
        string? shown = null;
        LiveAnswer? last = null;
        TimeSpan? failingSince = null;
        while (true)
        {
            var answer = await client.GetAsync<LiveAnswer>(path, cancellationToken);
            if (answer.Refused)
            {
                await output.WriteLineAsync($"the bot refused: {answer.Error}");
                return BadRequest;
            }

            if (answer.Value is { } live)
            {
                failingSince = null;
                last = live;
                if (live.Live)
                {
                    await output.WriteLineAsync($"live: {repo} {Short(rev)} runs on every host that carries it (waited {HumanTime.Duration(clock.Elapsed)})");
                    return Live;
                }

                var line = $"waiting: {live.Pending.Count} host(s) pending ({Names(live.Pending)}){(live.Estimate is null ? "" : "; " + live.Estimate)}";
                if (line != shown) await output.WriteLineAsync(line);
                shown = line;
            }
            else
            {
                failingSince ??= clock.Elapsed;
                if (last is null || clock.Elapsed - failingSince >= Outage)
                {
                    await output.WriteLineAsync($"cannot ask the bot at {url}: {answer.Error}");
                    return Unreachable;
                }
            }

            var left = timeout.Value - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                var pending = last?.Pending ?? [];
                await output.WriteLineAsync($"timed out after {HumanTime.Duration(timeout.Value)}: {repo} {Short(rev)} not live; {pending.Count} host(s) still pending: {string.Join(", ", pending)}");
                return TimedOut;
            }

            await Task.Delay(left < Interval ? left : Interval, cancellationToken);
        }
    }

    private static string Names(IReadOnlyList<string> hosts) =>
        hosts.Count <= 8 ? string.Join(", ", hosts) : string.Join(", ", hosts.Take(8)) + $", and {hosts.Count - 8} more";

    private static string Short(string rev) => rev.Length > 12 ? rev[..12] : rev;
}
