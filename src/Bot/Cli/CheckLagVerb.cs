using ChatOpsReconfig.Bot.Announcements;
using System.Globalization;
using ChatOpsReconfig.Bot.Commands;
using ChatOpsReconfig.Bot.Web;
using ChatOpsReconfig.Deployer;

namespace ChatOpsReconfig.Bot.Cli;

/// <summary>
/// <c>chatops check-lag --url URL [--warning 15m] [--critical 30m]</c>: a Nagios/Icinga plugin. Prints exactly one
/// line, <c>CHATOPS LAG OK|WARNING|CRITICAL|UNKNOWN - … | perfdata</c>, and exits 0/1/2/3. The level comes from the
/// longest time a host has lacked a production head; UNKNOWN when the bot cannot be asked or says its data is stale.
/// </summary>
internal static class CheckLagVerb
{
    public const int Ok = 0;
    public const int Warning = 1;
    public const int Critical = 2;
    public const int Unknown = 3;

    /// <summary>Hosts named in the line, worst first.</summary>
    private const int Named = 5;

    public static async Task<int> RunAsync(string url, string warningText, string criticalText, string? tokenFile, TextWriter output, CancellationToken cancellationToken)
    {
        var warning = Duration.Parse(warningText);
        var critical = Duration.Parse(criticalText);
        var baseUrl = BotClient.ParseUrl(url);
        var (token, tokenError) = BotClient.ReadToken(tokenFile);
        var problem = baseUrl is null ? $"--url: '{url}' is not an http(s) URL"
            : warning.Error is not null ? $"--warning: {warning.Error}"
            : critical.Error is not null ? $"--critical: {critical.Error}"
            : warning.Value > critical.Value ? "--warning must not be longer than --critical"
            : tokenError;
        if (problem is not null) return Say(output, Unknown, problem, null);

        using var client = new BotClient(baseUrl!, token, TimeSpan.FromSeconds(10));
        var answer = await client.GetAsync<StatusView>("api/status", cancellationToken);
        if (answer.Value is not { } view) return Say(output, Unknown, $"cannot ask the bot at {url}: {answer.Error}", null);
        if (view.Health.Stale || !view.Health.StoreOk)
            return Say(output, Unknown, "the bot's data is stale: " + string.Join("; ", view.Health.Problems), null);

        var enabled = view.Hosts.Where(h => h.State != "disabled").ToList();
        var lagging = enabled.Where(h => h.State != "insync").OrderByDescending(h => h.BehindSeconds ?? 0).ThenBy(h => h.Name, StringComparer.Ordinal).ToList();
        var maxBehind = lagging.Select(h => h.BehindSeconds ?? 0).DefaultIfEmpty(0).Max();
        var w = (long)warning.Value.TotalSeconds;
        var c = (long)critical.Value.TotalSeconds;
        var perf = $"lagging={lagging.Count};;;0;{enabled.Count} max_behind={maxBehind.ToString(CultureInfo.InvariantCulture)}s;{w};{c}";
        var level = maxBehind >= c ? Critical : maxBehind >= w ? Warning : Ok;
        if (lagging.Count == 0) return Say(output, Ok, $"{enabled.Count} hosts in sync", perf);

        var worst = string.Join(", ", lagging.Take(Named).Select(h => $"{h.Name} {Age(h.BehindSeconds)} {h.StateLabel}"));
        var more = lagging.Count > Named ? $", and {lagging.Count - Named} more" : "";
        var what = level == Ok ? $"{lagging.Count} of {enabled.Count} hosts not in sync, none for {HumanTime.Duration(warning.Value)}: " : $"{lagging.Count} of {enabled.Count} hosts lagging, worst: ";
        return Say(output, level, what + worst + more, perf);
    }

    private static string Age(long? seconds) => seconds switch
    {
        null => "(since ?)",
        < 60 => $"{seconds}s",
        _ => HumanTime.Duration(TimeSpan.FromMinutes(seconds.Value / 60)),
    };

    private static int Say(TextWriter output, int level, string text, string? perf)
    {
        var name = level switch { Ok => "OK", Warning => "WARNING", Critical => "CRITICAL", _ => "UNKNOWN" };
        // One line: Nagios reads the first line only, so nothing the bot says may break it.
        var line = $"CHATOPS LAG {name} - {text}".ReplaceLineEndings(" ").Replace('|', '/');
        output.WriteLine(perf is null ? line : $"{line} | {perf}");
        return level;
    }
}
