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

    [Fact]
    public async Task LeaderKilled_StandbyTakesOverWithinTheLease_AndNamesItselfInStatus()
    {
        var environment = new Dictionary<string, string> { ["CHATOPS_PG"] = await pg.CreateDatabaseAsync() };
        var dir = BotProcess.PrepareDirectory(json =>
        {
            json["store"] = new JsonObject { ["kind"] = "postgres", ["connectionStringEnv"] = "CHATOPS_PG" };
            json["ha"] = new JsonObject { ["instance"] = "bot-a", ["leaseSeconds"] = LeaseSeconds };
        });
        var b = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config", "chatops.json")))!;
        b["ha"]!["instance"] = "bot-b";
        File.WriteAllText(Path.Combine(dir, "config", "b.json"), b.ToJsonString());

        await using var first = BotProcess.Start(dir, environment);
        await first.WaitForAsync("ChatOpsReconfig is here");
        await first.WaitForAsync("watching tools production at");
        await using var second = BotProcess.Start(dir, environment, "run", "--config", "config/b.json");
        await second.WaitForLogAsync("bot-b stands by: bot-a leads");
        Assert.DoesNotContain(second.Lines, l => l.Contains("ChatOpsReconfig is here", StringComparison.Ordinal));

        await first.SayAsync("alice: !status");
        await first.WaitForAsync("leader: bot-a, leading for");

        first.Kill();
        var killedAt = DateTime.UtcNow;
        await second.WaitForAsync("ChatOpsReconfig is here");
        var took = DateTime.UtcNow - killedAt;
        Assert.True(took < TimeSpan.FromSeconds(15), $"takeover took {took.TotalSeconds:0.0} s");
        await second.WaitForLogAsync("bot-b leads (lease epoch 2)");

        await second.SayAsync("alice: !status");
        await second.WaitForAsync("leader: bot-b, leading for");
    }
}
