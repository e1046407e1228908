using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd.Faults;

/// <summary>Floods: a host printing megabytes, and fifty people typing at once.</summary>
[Collection(SshFarmCollection.Name)]
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
                ["command"] = "head -c 50000000 /dev/zero | tr '\\\\0' x; echo; echo the-end-of-{host}",
            });
        });
        await using var bot = BotProcess.Start(dir);
        await bot.WaitForAsync("ChatOpsReconfig is here");

        await bot.SayAsync("!deploy now");
        var (summary, _) = await bot.WaitForAsync(l => l.Contains("rollout #1 ", StringComparison.Ordinal) && l.Contains("10/10", StringComparison.Ordinal) && !l.Contains("done", StringComparison.Ordinal), timeoutSeconds: 180);

        Assert.Contains("succeeded", summary, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var rollout = await http.GetFromJsonAsync<JsonObject>("/api/rollouts/1");
        var chatty = rollout!["results"]!.AsArray().Single(h => (string?)h!["host"] == "foopy10")!["steps"]!.AsArray().Single(s => (string?)s!["name"] == "chatty")!;
        var tail = (string)chatty["stdout"]!;
        Assert.EndsWith("the-end-of-foopy10\n", tail, StringComparison.Ordinal);
        Assert.StartsWith("…", tail, StringComparison.Ordinal); // says it was cut
        Assert.InRange(tail.Length, 1, 70 * 1024);
        // Four hosts printed 50 MB each; holding it would take hundreds of MB.
        Assert.InRange(bot.PeakRssBytes, 1, 300L * 1024 * 1024);
    }

    [Fact]
    public async Task FiftyPeopleAtOnce_EachGetsExactlyOneAnswer_AndEveryHoldIsKept()
    {
        var dir = BotProcess.PrepareDirectory();
        await using var bot = BotProcess.Start(dir);
        var (_, at) = await bot.WaitForAsync("ChatOpsReconfig is here");

        var people = Enumerable.Range(1, 50).Select(i => $"user{i:00}").ToList();
        await bot.WriteRawAsync(System.Text.Encoding.UTF8.GetBytes(string.Concat(people.Select(p => $"{p}: !lock 2h hold of {p}\n"))));

        foreach (var p in people) await bot.WaitForAsync($"{p} holds the deploy lock", at);
        Assert.All(people, p => Assert.Single(bot.Lines, l => l.Contains($"{p} holds the deploy lock", StringComparison.Ordinal)));

        // Every hold was kept: the admin's release names all fifty.
        var (_, unlocked) = await bot.WaitForAsync("ChatOpsReconfig is here");
        await bot.SayAsync("!unlock all");
        await bot.WaitForAsync(l => l.Contains("released", StringComparison.Ordinal), unlocked + 1);
        var released = string.Join('\n', bot.Lines.Skip(unlocked + 1));
        Assert.All(people, p => Assert.Contains(p, released, StringComparison.Ordinal));
    }
}
