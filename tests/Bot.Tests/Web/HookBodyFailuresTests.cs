using System.Net;
using System.Net.Sockets;
using System.Text;
using ChatOpsReconfig.Bot.Tests.Chat.Discord;
using ChatOpsReconfig.Bot.Web;
using ChatOpsReconfig.Deployer.Tests.Repos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ChatOpsReconfig.Bot.Tests.Web;

/// <summary>Senders that stall in the middle of a hook's body, against the bot on real Kestrel (its minimum body data rate).</summary>
public sealed class HookBodyFailuresTests
{
    private const int Connections = 20;

    [Fact]
    public async Task SlowBodies_OneWarningPerMinuteWithTheCount_AndNoStackTraces()
    {
        // Only the summary's minute runs on the fake clock; Kestrel's rate check runs on its own.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var bot = await HookedBot.StartAsync(configure: services =>
        {
            services.RemoveAll<HookBodyFailures>();
            services.AddSingleton(sp => new HookBodyFailures(clock, sp.GetRequiredService<ILogger<HookBodyFailures>>()));
        });
        var failures = bot.Services.GetRequiredService<HookBodyFailures>();
        var port = bot.Http.BaseAddress!.Port;

        // Kestrel ends each body after its grace period (5 s) for arriving under 240 bytes/s.
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => SendHeadersAndStallAsync(port)));
        await FakeDiscord.Until(() => failures.Pending == Connections, $"{Connections} failures counted (have {failures.Pending})");
        Assert.DoesNotContain(bot.Logs.Entries, e => e.EventId == 515);

        clock.Advance(HookBodyFailures.Period);

        var summary = Assert.Single(bot.Logs.Entries, e => e.EventId == 515);
        Assert.Equal(LogLevel.Warning, summary.Level);
        Assert.StartsWith($"Hooks: {Connections} request bodies not read in the last 1 min ({Connections} timed out (body sent too slowly)); the last: /hooks/git from 127.0.0.1", summary.Message);
        var traces = bot.Logs.Entries.Where(e => e.Message.Contains("   at ", StringComparison.Ordinal)).ToList();
        Assert.True(traces.Count == 0, $"{traces.Count} stack trace(s), the first:\n{traces.FirstOrDefault()}");
        // (HookedBot's repo "other" never polls; its warnings are not about hooks.)
        var warnings = bot.Logs.Entries.Where(e => e.Level >= LogLevel.Warning && e.EventId != 515 && !e.Message.StartsWith("other: ", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count == 0, $"{warnings.Count} other warning(s), the first: {warnings.FirstOrDefault()}");

        // A quiet minute says nothing, and the hooks still answer.
        clock.Advance(HookBodyFailures.Period);
        Assert.Single(bot.Logs.Entries, e => e.EventId == 515);
        using var ping = await bot.PostAsync("/hooks/git", "{}", gitHubEvent: "ping");
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
    }

    /// <summary>Sends a hook's headers and the first byte of a 100 KB body, then nothing; returns when the bot closes the connection.</summary>
    private static async Task SendHeadersAndStallAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var head = "POST /hooks/git HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nContent-Length: 100000\r\n\r\n{";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var buffer = new byte[4096];
        try
        {
            while (await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(60)) > 0)
            {
                // the answer, if Kestrel still sends one; the connection closes after it
            }
        }
        catch (IOException)
        {
            // reset by the bot: also the end
        }
    }
}
