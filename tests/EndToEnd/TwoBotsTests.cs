using System.Text.Json.Nodes;
using ChatOpsReconfig.Deployer.Tests.Fixtures;
using ChatOpsReconfig.EndToEnd.Fixtures;

namespace ChatOpsReconfig.EndToEnd;

[CollectionDefinition(Name)]
public sealed class EndToEndPostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "e2e-postgres";
}

/// <summary>
/// Two real <c>chatops run</c> processes on one real PostgreSQL store (issue 11): one leads and speaks, the other
/// stands by; <c>kill -9</c> of the leader and the standby takes over within the lease and says so.
/// </summary>
[Collection(EndToEndPostgresCollection.Name)]
public sealed class TwoBotsTests(PostgresFixture pg)
{
    private const int LeaseSeconds = 5;

    /// <summary>One directory for both bots (config/chatops.json is bot-a, config/b.json bot-b) and a fresh database.</summary>
    private async Task<(string Dir, Dictionary<string, string> Environment)> PrepareAsync(int? webA = null, int? webB = null)
    {
        var environment = new Dictionary<string, string> { ["CHATOPS_PG"] = await pg.CreateDatabaseAsync() };
        var dir = BotProcess.PrepareDirectory(json =>
        {
            json["store"] = new JsonObject { ["kind"] = "postgres", ["connectionStringEnv"] = "CHATOPS_PG" };
            json["ha"] = new JsonObject { ["instance"] = "bot-a", ["leaseSeconds"] = LeaseSeconds };
            if (webA is { } a) json["web"] = new JsonObject { ["enabled"] = true, ["url"] = $"http://127.0.0.1:{a}" };
        });
        var b = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config", "chatops.json")))!;
        b["ha"]!["instance"] = "bot-b";
        if (webB is { } port) b["web"] = new JsonObject { ["enabled"] = true, ["url"] = $"http://127.0.0.1:{port}" };
        File.WriteAllText(Path.Combine(dir, "config", "b.json"), b.ToJsonString());
        return (dir, environment);
    }

    [Fact]
    public async Task LeaderKilled_StandbyTakesOverWithinTheLease_AndNamesItselfInStatus()
    {
        var (dir, environment) = await PrepareAsync();

        await using var first = BotProcess.Start(dir, environment);
        await first.WaitForAsync("ChatOpsReconfig is here");
        await first.WaitForAsync("watching tools production at");
        await using var second = BotProcess.Start(dir, environment, "run", "--config", "config/b.json");
        await second.WaitForLogAsync("bot-b stands by: bot-a leads");
        Assert.DoesNotContain(second.Lines, l => l.Contains("ChatOpsReconfig is here", StringComparison.Ordinal));

        await first.SayAsync("alice: !status");
        await first.WaitForAsync("leader: bot-a, leading for");

        // A verb that writes takes the lease too, as the file lock does on LiteDB: refused while a bot leads.
        await using (var deploy = BotProcess.Start(dir, environment, "deploy", "--yes"))
        {
            Assert.Equal(2, await deploy.WaitForExitAsync());
            Assert.Contains("PostgreSQL store: bot-a leads it: use !deploy now in chat, or stop the bot first", deploy.Stderr, StringComparison.Ordinal);
        }

        await using (var status = BotProcess.Start(dir, environment, "status"))
        {
            Assert.Equal(0, await status.WaitForExitAsync());
            Assert.Contains(status.Lines, l => l.Contains("bm01", StringComparison.Ordinal));
        }

        first.Kill();
        var killedAt = DateTime.UtcNow;
        await second.WaitForAsync("ChatOpsReconfig is here");
        var took = DateTime.UtcNow - killedAt;
        Assert.True(took < TimeSpan.FromSeconds(15), $"takeover took {took.TotalSeconds:0.0} s");
        await second.WaitForLogAsync("bot-b leads (lease epoch 2)");

        await second.SayAsync("alice: !status");
        await second.WaitForAsync("leader: bot-b, leading for");
    }

    [Fact]
    public async Task Standby_ServesTheStatusApiAsStandby_AndRefusesHooksWith503_TheLeaderTakesThem()
    {
        var (portA, portB) = (SshdFixture.FreePort(), SshdFixture.FreePort());
        var (dir, environment) = await PrepareAsync(portA, portB);
        await using var first = BotProcess.Start(dir, environment);
        await first.WaitForAsync("watching tools production at");
        await using var second = BotProcess.Start(dir, environment, "run", "--config", "config/b.json");
        await second.WaitForLogAsync("bot-b stands by: bot-a leads");

        using var http = new HttpClient();
        var status = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{portB}/api/status"))!;
        Assert.Equal(("bot-b", "standby", "bot-a"), ((string?)status["health"]!["instance"]!["name"], (string?)status["health"]!["instance"]!["role"], (string?)status["health"]!["instance"]!["leader"]));
        Assert.Contains(status["hosts"]!.AsArray(), h => (string?)h!["name"] == "bm01");

        var push = """{"ref":"refs/heads/production","after":"0123456789abcdef0123456789abcdef01234567","repository":{"name":"tools"}}""";
        using var toStandby = await http.PostAsync($"http://127.0.0.1:{portB}/hooks/git", new StringContent(push, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, toStandby.StatusCode);
        Assert.Contains("bot-a leads", await toStandby.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var toLeader = await http.PostAsync($"http://127.0.0.1:{portA}/hooks/git", new StringContent(push, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, toLeader.StatusCode);
    }

    [Fact]
    public async Task LeaderPausedPastItsLease_StandbyTakesOver_TheOldLeaderWakesUpAndStepsDownWithoutSpeaking()
    {
        var (dir, environment) = await PrepareAsync();

        await using var first = BotProcess.Start(dir, environment);
        await first.WaitForAsync("watching tools production at");
        await using var second = BotProcess.Start(dir, environment, "run", "--config", "config/b.json");
        await second.WaitForLogAsync("bot-b stands by: bot-a leads");

        first.Pause();
        await second.WaitForAsync("ChatOpsReconfig is here");
        // A command typed to the old leader while it sleeps: it must not be answered by a bot that no longer leads.
        await first.SayAsync("alice: !lock 10m typed to the paused leader");
        var linesBefore = first.Lines.Count;
        first.Resume();

        Assert.Equal(3, await first.WaitForExitAsync());
        await first.WaitForLogAsync("bot-a lost the leader lease");
        Assert.DoesNotContain(first.Lines.Skip(linesBefore), l => l.Contains("lock", StringComparison.OrdinalIgnoreCase));
        await second.SayAsync("alice: !status");
        await second.WaitForAsync("leader: bot-b, leading for");
        Assert.DoesNotContain(second.Lines, l => l.Contains("typed to the paused leader", StringComparison.Ordinal));
    }
}
