using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ChatOpsReconfig.Bot.Tests.Fixtures;
using ChatOpsReconfig.Bot.Tests.Web;
using ChatOpsReconfig.Deployer.Tests.Repos;

namespace ChatOpsReconfig.Bot.Tests.Hostile;

/// <summary>
/// The webhook part of the hostile-input corpus against the bot on real Kestrel (signed hooks, a git and an hg repo):
/// each request gets its status and specific reason, the answer is harmless, no poll starts, nothing is announced, and
/// the hooks still answer afterwards.
/// </summary>
public sealed class HostileHookTests
{
    /// <summary>Logged (event 512) before the answer whenever a hook starts a poll.</summary>
    private const int PollTriggered = 512;

    [Fact]
    public async Task EveryHookInput_GetsItsStatusAndReason_AndStartsNothing()
    {
        await using var bot = await HookedBot.StartAsync(hg: true);
        var lines = bot.Lines.Count;
        var failures = new List<string>();

        foreach (var e in HostileInputs.Via("hook"))
        {
            var port = bot.Http.BaseAddress!.Port;
            var (status, answer) = (bool?)e.Json["slow"] == true ? await StallAsync(port, e.Path!)
                : (long?)e.Json["generatedBytes"] is { } size ? await FloodAsync(port, e.Path!, size, chunked: (bool?)e.Json["chunked"] == true)
                : await SendAsync(bot, e);
            var expected = (int)e.Json["status"]!;
            if (status != expected) failures.Add($"{e.Name}: expected {expected}, got {status}: {answer}");
            if (!answer.Contains(e.Expect, StringComparison.Ordinal)) failures.Add($"{e.Name}: expected '{e.Expect}' in: {answer}");
            try
            {
                SanitizerCorpus.AssertHarmless(answer, e.Name, maxLength: 2000);
            }
            catch (Xunit.Sdk.XunitException ex)
            {
                failures.Add($"{e.Name}: answer not harmless: {ex.Message}");
            }

            if (bot.Logs.Entries.Any(l => l.EventId == PollTriggered)) failures.Add($"{e.Name}: started a poll");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {HostileInputs.Via("hook").Count()} hook inputs:\n" + string.Join("\n", failures));
        Assert.Equal(lines, bot.Lines.Count);
        var traces = bot.Logs.Entries.Where(l => l.Message.Contains("   at ", StringComparison.Ordinal)).ToList();
        Assert.True(traces.Count == 0, $"{traces.Count} stack trace(s), the first:\n{traces.FirstOrDefault()}");
        using var ping = await bot.PostAsync("/hooks/git", "{}", gitHubEvent: "ping");
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
    }

    private static async Task<(int Status, string Answer)> SendAsync(HookedBot bot, HostileInputs.Entry e)
    {
        var body = e.Text;
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.TryAddWithoutValidation("Content-Type", (string?)e.Json["contentType"] ?? "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, e.Path) { Content = content };
        // Signed with the bot's secret unless the entry brings its own signature (or null for none).
        var signature = e.Json.ContainsKey("signature") ? (string?)e.Json["signature"] : HookedBot.Sign(body);
        if (signature == "other-secret") signature = HookedBot.Sign(body, "not the secret");
        if (signature is not null) request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", signature);
        request.Headers.TryAddWithoutValidation("X-GitHub-Event", (string?)e.Json["event"] ?? "push");
        using var response = await bot.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var doc = JsonDocument.Parse(text);
            text = doc.RootElement.GetProperty("detail").GetString() ?? "";
        }

        return ((int)response.StatusCode, text);
    }

    /// <summary>
    /// Sends a hook's headers and the first byte of its body, then nothing, as a slowloris would; Kestrel ends the body
    /// after its grace period for arriving under its minimum rate. Returns the status of the answer, if one came.
    /// </summary>
    private static async Task<(int Status, string Answer)> StallAsync(int port, string path)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nContent-Length: 100000\r\n\r\n{{";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(60))) > 0) answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        catch (IOException)
        {
            // reset by the bot: also the end
        }

        var status = answer.Length > 12 && int.TryParse(answer.ToString(9, 3), out var s) ? s : 0;
        return (status, "");
    }

    /// <summary>
    /// Sends a body of <paramref name="size"/> spaces (with a Content-Length, or chunked) while reading: the bot answers
    /// and closes once it has read more than its limit, and the sender stops there, as a real client's socket would.
    /// Returns the status and the detail of the answer.
    /// </summary>
    private static async Task<(int Status, string Answer)> FloodAsync(int port, string path, long size, bool chunked)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var length = chunked ? "Transfer-Encoding: chunked" : $"Content-Length: {size}";
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\n{length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
        var framed = Encoding.ASCII.GetBytes($"{chunk.Length:X}\r\n").Concat(chunk).Concat("\r\n"u8.ToArray()).ToArray();
        try
        {
            for (long sent = 0; sent < size && !stream.DataAvailable; sent += chunk.Length)
                await stream.WriteAsync(chunked ? framed : chunk);
        }
        catch (IOException)
        {
            // the bot closed its side after answering: read the answer
        }

        var answer = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(60))) > 0) answer.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        catch (IOException)
        {
            // reset after the answer
        }

        var text = answer.ToString();
        var status = text.Length > 12 && int.TryParse(text.AsSpan(9, 3), out var s) ? s : 0;
        var detail = System.Text.RegularExpressions.Regex.Match(text, "\"detail\":\"([^\"]*)\"").Groups[1].Value;
        return (status, detail);
    }
}
