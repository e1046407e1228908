using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd.Faults;

/// <summary>Floods: a host printing megabytes, and fifty people typing at once.</summary>
[Collection(SecondSshFarmCollection.Name)]
public sealed class LoadFaultTests(SshFarm farm)
{
    [Fact]
    public async Task HostFloodingMegabytesOfOutput_IsCutToItsTail_TheRolloutSucceeds_MemoryStaysBounded()
    {
        var port = SshdFixture.FreePort();
        var dir = farm.Prepare(json =>
        {
            json["web"] = new JsonObject { ["enabled"] = true, ["url"] = $"http://127.0.0.1:{port}" };
            json["roles"]!["foopy"]!["steps"]!.AsArray().Add(new JsonObject
            {
                ["name"] = "chatty",
                ["timeoutSeconds"] = 120,
                ["command"] = "[ {host} != foopy10 ] || head -c 50000000 /dev/zero | tr '\\0' x; echo; echo the-end-of-{host}",
            });
        });
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");

        await bot.SayAsync("!deploy now");
        var (summary, _) = await bot.WaitForAsync(l => l.Contains("rollout #1 ", StringComparison.Ordinal) && l.Contains("10/10", StringComparison.Ordinal) && !l.Contains("done", StringComparison.Ordinal), timeoutSeconds: 180);

        Assert.Contains("succeeded", summary, StringComparison.Ordinal);
        Assert.Equal(SshFarm.HeadsAtProduction(dir), SshFarm.Heads(dir));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var rollout = await http.GetFromJsonAsync<JsonObject>("/api/rollouts/1");
        var chatty = rollout!["results"]!.AsArray().Single(h => (string?)h!["host"] == "foopy10")!["steps"]!.AsArray().Single(s => (string?)s!["name"] == "chatty")!;
        var tail = (string)chatty["stdout"]!;
        Assert.EndsWith("the-end-of-foopy10\n", tail, StringComparison.Ordinal);
        Assert.StartsWith("…", tail, StringComparison.Ordinal); // says it was cut
        Assert.InRange(tail.Length, 1, 70 * 1024);
        // foopy10 printed 50 MB; holding it (as UTF-16 text, while growing) would take hundreds of MB.
        Assert.InRange(bot.PeakRssBytes, 1, 300L * 1024 * 1024);
    }

    [Fact]
    public async Task FiftyPeopleAtOnce_EachGetsExactlyOneAnswer_AndEveryHoldIsKept()
    {
        var dir = BotProcess.PrepareDirectory();
        var people = Enumerable.Range(1, 50).Select(i => $"user{i:00}").ToList();
        await using (var bot = BotProcess.Start(dir))
        {
            var (_, at) = await bot.WaitForAsync("ChatOpsReconfig is here");
            await bot.WriteRawAsync(System.Text.Encoding.UTF8.GetBytes(string.Concat(people.Select(p => $"{p}: !lock 2h hold of {p}\n"))));

            foreach (var p in people) await bot.WaitForAsync($"{p} holds the deploy lock", at);
            Assert.All(people, p => Assert.Single(bot.Lines, l => l.Contains($"{p} holds the deploy lock", StringComparison.Ordinal)));
            bot.Terminate(); // not the end of input: a bot with holds waiting on a deploy stays up for them
            Assert.Equal(0, await bot.WaitForExitAsync());
        }

        // Every hold was kept, once: after a restart the store still has fifty, and the admin's release names each one
        // once. Only the release's own answer counts (each answer to !lock above names the other holders too).
        await using var again = BotProcess.Start(dir);
        await again.WaitForAsync("ChatOpsReconfig is here");
        var from = again.Lines.Count;
        await again.SayAsync("!unlock all");
        var (summary, answer) = await again.WaitForAsync(l => l.StartsWith("[#releng] released ", StringComparison.Ordinal), from);
        Assert.StartsWith("[#releng] released 50 holds. No holds left", summary, StringComparison.Ordinal);
        List<string> Released() => [.. again.Lines.Skip(answer + 1).Where(l => l.Contains("'s hold (hold of user", StringComparison.Ordinal))];
        await SshFarm.UntilAsync(() => Released().Count >= people.Count, "the fifty released holds listed");
        Assert.All(people, p => Assert.Single(Released(), l => l == $"[#releng]   {p}'s hold (hold of {p})"));
        Assert.Equal(people.Count, Released().Count);
    }
}
